import { describe, expect, it } from 'vitest';
import { Rng, hashUnit } from '../../../src/core/rng.ts';

const draw = (r: Rng, n = 5) => Array.from({ length: n }, () => r.nextUint32());

describe('Rng', () => {
  it('same seed ⇒ same stream; other seed ⇒ other stream', () => {
    expect(draw(new Rng(42))).toEqual(draw(new Rng(42)));
    expect(draw(new Rng(42))).not.toEqual(draw(new Rng(43)));
  });

  it('fork(label) depends on seed and label only, not on draws made before', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    draw(b, 100);
    expect(draw(a.fork(3))).toEqual(draw(b.fork(3)));
    expect(draw(a.fork(3))).not.toEqual(draw(a.fork(4)));
    expect(draw(a.fork('x'))).not.toEqual(draw(new Rng(8).fork('x')));
  });

  it('next() is uniform-ish in [0,1) and int(n) stays in range', () => {
    const r = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const x = r.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
      const k = r.int(7);
      expect(k >= 0 && k < 7 && Number.isInteger(k)).toBe(true);
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
  });

  it('hashUnit is deterministic and order-free', () => {
    expect(hashUnit(1, 2, 3)).toBe(hashUnit(1, 2, 3));
    expect(hashUnit(1, 2, 3)).not.toBe(hashUnit(1, 3, 2));
  });
});
