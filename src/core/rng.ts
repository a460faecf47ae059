/**
 * Seeded pseudo-random numbers: sfc32 (Small Fast Counter, Chris Doty-Humphrey, PractRand-tested)
 * with splitmix32-style seeding. `fork(label)` derives an independent stream from this stream's
 * seed and a label, so adding a node never reshuffles the numbers another node draws.
 */

/** Mixes a 32-bit value (murmur3 finaliser). */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a over the label's UTF-16 code units, then mixed. */
function hashLabel(label: string | number): number {
  const s = String(label);
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** The 32-bit seed this stream was made from; forks derive from it, not from the state. */
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed))
      throw new RangeError(`rng seed must be a finite number, got ${seed}`);
    this.seed = mix32((Math.trunc(seed) >>> 0) ^ 0x9e3779b9);
    this.a = mix32(this.seed + 0x6a09e667);
    this.b = mix32(this.seed + 0xbb67ae85);
    this.c = mix32(this.seed + 0x3c6ef372);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent stream named by `label` (e.g. a node id); same seed + label ⇒ same stream. */
  fork(label: string | number): Rng {
    return new Rng(mix32(this.seed ^ Math.imul(hashLabel(label), 0x27d4eb2d)));
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n); n must be a positive integer below 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p (0..1). */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
}

/** Stateless deterministic noise in [0, 1) for (a, b, c): used by workloads so a VM's demand at a step
 * does not depend on the order in which demands are generated. */
export function hashUnit(seed: number, a: number, b: number): number {
  let h = mix32((seed ^ Math.imul(a + 1, 0x9e3779b1)) >>> 0);
  h = mix32((h ^ Math.imul(b + 1, 0x85ebca77)) >>> 0);
  return h / 4294967296;
}
