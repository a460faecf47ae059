import { describe, expect, it } from 'vitest';
import { TransportInMemory } from '../../../src/transport/transport-in-memory.ts';
import { TransportFaulty } from '../../../src/transport/transport-faulty.ts';
import { Rng } from '../../../src/core/rng.ts';
import { transportConformance } from './conformance.ts';

describe('TransportInMemory conformance', () => {
  transportConformance((n) => new TransportInMemory(n));
});

describe('TransportFaulty (faults off) conformance', () => {
  transportConformance((n) => new TransportFaulty(new TransportInMemory(n), new Rng(1), {}));
});

describe('TransportFaulty', () => {
  const m = (seq: number) => ({ from: 0, to: 1, seq });

  it('drops, duplicates and delays by the given rates, deterministically per seed', async () => {
    const run = async (seed: number) => {
      const t = new TransportFaulty(new TransportInMemory<ReturnType<typeof m>>(2), new Rng(seed), {
        dropRate: 0.2,
        duplicateRate: 0.2,
        delayRate: 0.2,
        maxDelayPhases: 3,
      });
      for (let i = 1; i <= 1000; i++) t.send(m(i));
      const got: number[] = [];
      let phases = 0;
      while ((await t.nextPhase()) > 0 || t.pending()) {
        phases++;
        got.push(...t.inbox(1).map((x) => x.seq));
      }
      return { got, phases, dropped: t.dropped, duplicated: t.duplicated, delayed: t.delayed };
    };
    const a = await run(1);
    expect(a.dropped).toBeGreaterThan(150);
    expect(a.dropped).toBeLessThan(250);
    expect(a.duplicated).toBeGreaterThan(100);
    expect(a.phases).toBeGreaterThan(1);
    expect(a.got.length).toBe(1000 - a.dropped + a.duplicated);
    expect(await run(1)).toEqual(a);
    expect((await run(2)).got).not.toEqual(a.got);
  });

  it('reorders an inbox when asked', async () => {
    const t = new TransportFaulty(new TransportInMemory<ReturnType<typeof m>>(2), new Rng(3), {
      reorder: true,
    });
    for (let i = 1; i <= 50; i++) t.send(m(i));
    await t.nextPhase();
    const seqs = t.inbox(1).map((x) => x.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(seqs).not.toEqual([...seqs].sort((x, y) => x - y));
  });
});
