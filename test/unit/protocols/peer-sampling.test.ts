import { describe, expect, it } from 'vitest';
import { PeerSamplingCyclon } from '../../../protocols/peer-sampling-cyclon.ts';
import { PeerSamplingUniform } from '../../../protocols/peer-sampling-uniform.ts';
import { Int32Arena } from '../../../src/core/int32-arena.ts';
import { Rng } from '../../../src/core/rng.ts';

describe('PeerSamplingUniform', () => {
  it('never selects itself and mostly avoids peers believed asleep', () => {
    const s = new PeerSamplingUniform(3, 6);
    for (const p of [0, 1, 2, 4]) s.markAsleep(p);
    const rng = new Rng(1);
    const count = (peer: number, picks: number[]) => picks.filter((p) => p === peer).length;
    const picks = Array.from({ length: 1000 }, () => s.select(rng));
    expect(count(3, picks)).toBe(0);
    // 8 draws before falling back to a random peer (which re-checks a stale belief): ≈ 1 − 0.8⁸ = 83 %.
    expect(count(5, picks)).toBeGreaterThan(780);
    s.markAwake(1);
    const after = Array.from({ length: 1000 }, () => s.select(rng));
    expect(count(1, after) + count(5, after)).toBeGreaterThan(950);
    expect(count(1, after)).toBeGreaterThan(400);
  });

  it('remembers sleepers as wake candidates, each picked once', () => {
    const s = new PeerSamplingUniform(0, 10);
    s.markAsleep(4);
    s.markAsleep(7);
    s.markAwake(7);
    const rng = new Rng(2);
    expect(s.pickSleeper(rng)).toBe(4);
    expect(s.pickSleeper(rng)).toBe(-1);
  });
});

/** Runs Cyclon shuffles among n nodes (all awake) for `rounds` rounds, delivering immediately. */
function cyclonNetwork(
  n: number,
  rounds: number,
  viewSize = 6,
  shuffleLength = 3,
  arena?: Int32Arena,
) {
  const rng = new Rng(9);
  // A ring bootstrap: each node knows only its successor.
  const nodes = Array.from(
    { length: n },
    (_, i) =>
      new PeerSamplingCyclon(
        i,
        { viewSize, shuffleLength, shuffleEveryRounds: 1 },
        [(i + 1) % n],
        arena,
      ),
  );
  for (let r = 0; r < rounds; r++) {
    for (const node of nodes) {
      const req = node.startShuffle(rng);
      if (!req) continue;
      const reply = nodes[req.to]!.onShuffle(node.self, req.entries, rng);
      node.onShuffleReply(req.to, reply);
    }
  }
  return nodes;
}

describe('PeerSamplingCyclon', () => {
  it('behaves the same in a shared arena as in buffers of its own (regions never overlap)', () => {
    // 3 nodes' words per chunk: regions at both ends of a chunk, and in several chunks.
    const words = 4 * 6 + 8 + 11;
    const shared = cyclonNetwork(40, 25, 6, 3, new Int32Arena(3 * words + 5));
    const own = cyclonNetwork(40, 25);
    const rng = new Rng(4);
    for (let i = 0; i < 40; i++) {
      expect(shared[i]!.view()).toEqual(own[i]!.view());
      shared[i]!.markAsleep((i + 7) % 40);
      own[i]!.markAsleep((i + 7) % 40);
      expect(shared[i]!.pickSleeper(rng)).toBe((i + 7) % 40);
    }
    expect(shared.map((s) => s.view())).toEqual(own.map((s) => s.view()));
  });

  it('keeps views bounded, self-free and duplicate-free while they fill up from a ring', () => {
    const nodes = cyclonNetwork(50, 30);
    for (const node of nodes) {
      const v = node.view();
      expect(v.length).toBeLessThanOrEqual(6);
      expect(v.length).toBeGreaterThanOrEqual(4);
      expect(v).not.toContain(node.self);
      expect(new Set(v).size).toBe(v.length);
    }
  });

  it('mixes: after shuffling, in-degrees are spread, not stuck on the ring', () => {
    const nodes = cyclonNetwork(50, 30);
    const indeg = new Array(50).fill(0);
    for (const node of nodes) for (const p of node.view()) indeg[p]++;
    // Every node is known by someone, and nobody dominates the views.
    expect(Math.min(...indeg)).toBeGreaterThan(0);
    expect(Math.max(...indeg)).toBeLessThan(20);
    const ringOnly = nodes.filter((node) =>
      node.view().every((p) => p === (node.self + 1) % 50),
    ).length;
    expect(ringOnly).toBe(0);
  });

  it('drops a peer found asleep and offers it as a wake candidate', () => {
    const s = new PeerSamplingCyclon(
      0,
      { viewSize: 4, shuffleLength: 2, shuffleEveryRounds: 1 },
      [1, 2, 3],
    );
    s.markAsleep(2);
    expect(s.view()).not.toContain(2);
    expect(s.pickSleeper(new Rng(1))).toBe(2);
  });
});
