/**
 * GlapAveraging's step as data: ProfileRequest → Profile (a train request, then the trained
 * tables) → Merge → MergeReply, after which both PMs hold the element-wise mean of their tables;
 * the tables travel as rows, which give exactly the whole tables' mean, and the codec refuses
 * malformed rows.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { GLAP_AVERAGING, type GlapAveragingState } from '../../../protocols/glap-averaging.ts';
import { MSG_TYPE_NAMES, MsgType, message, type Message } from '../../../protocols/messages.ts';
import { createPmNode, readDemand } from '../../../protocols/pm-node.ts';
import { ROUND_START, type NodeTick } from '../../../protocols/protocol.ts';
import { PolicyGlap, type GlapOptions } from '../../../src/policy/policy-glap.ts';
import type { VmProfile } from '../../../src/policy/policy.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL } from '../../helpers/fixtures.ts';
import { trainLocally } from '../../../protocols/glap-training.ts';
import { messageCodecFor } from '../../../protocols/message-codec.ts';
import {
  QTABLE_MODES,
  isTableRows,
  type QTable,
  type QTableMode,
} from '../../../src/policy/q-table.ts';
import { step, towards } from '../../helpers/protocol.ts';

const CPU: Record<number, number> = { 1: 3000, 2: 1500, 3: 500 };

function node(
  id: number,
  vms: number[],
  glap: GlapOptions,
): GlapAveragingState & { p: PolicyGlap } {
  const n = createPmNode({
    id,
    cpuCapMips: 4000,
    ramCapMb: 4096,
    rng: new Rng(10 + id),
    sensor: { cpuMips: (vm) => CPU[vm]!, ramMb: () => 0 },
    vms,
    asleep: false,
  });
  n.round = 1;
  readDemand(n);
  const p = new PolicyGlap(new Rng(id), GREEDY_Q, glap);
  return { node: n, learner: p, sampler: towards(1 - id), session: null, p };
}

/**
 * Runs the exchange `a` opens at round 1, delivering each message at once and carrying out
 * training and averaging as the agent does. Returns the message types in order.
 */
function settle(a: GlapAveragingState, b: GlapAveragingState): string[] {
  const nodes = [a, b];
  const types: string[] = [];
  const queue: Message[] = [];
  const run = (g: GlapAveragingState, ev: Message | NodeTick) => {
    for (const e of step(GLAP_AVERAGING, g, ev)) {
      if (e.fx === 'send') queue.push(e.msg);
      if (e.fx === 'train') {
        const [self, nb] = e.profiles as [VmProfile, VmProfile];
        trainLocally(g.learner, self, nb, PLAIN_PROTOCOL);
        types.push('(train)');
      }
      if (e.fx === 'merge') g.learner.merge(e.tables);
      if (e.fx === 'raise') run(g, { type: e.type, tick: true });
    }
  };
  run(a, ROUND_START);
  while (queue.length > 0) {
    const m = queue.shift()!;
    types.push(MSG_TYPE_NAMES[m.type]!);
    run(nodes[m.to]!, m);
  }
  return types;
}

const G = (over: Partial<GlapOptions>): GlapOptions => ({
  periodRounds: 1,
  trainBelowLoad: 0.8,
  episodes: 0,
  trainEpsilon: 0,
  trainEpsilonIn: 0,
  trainTables: 'both',
  ...over,
});

describe('GLAP learning exchange', () => {
  it('ends with both PMs holding the mean of their tables (no training episodes)', () => {
    const a = node(0, [3], G({}));
    const b = node(1, [2], G({}));
    a.p.q.phiIn.set(5, 7, 4);
    b.p.q.phiIn.set(5, 7, -2);
    b.p.q.phiOut.set(1, 2, 6);
    // a (12.5 % load) opens the exchange at round 1; b's turn would be round 0.
    expect(settle(a, b)).toEqual(['ProfileRequest', 'Profile', '(train)', 'Merge', 'MergeReply']);
    for (const p of [a.p, b.p]) {
      expect(p.q.phiIn.get(5, 7)).toBe(1);
      expect(p.q.phiOut.get(1, 2)).toBe(3);
    }
    expect(a.session).toBeNull();
  });

  it('a loaded PM (≥ trainBelowLoad) does not start one', () => {
    const a = node(0, [1], G({ trainBelowLoad: 0.5, episodes: 1 })); // 3000 / 4000 = 75 %
    expect(step(GLAP_AVERAGING, a, ROUND_START)).toEqual([]);
  });

  it('a Profile that answers no open exchange is ignored; a sleeping PM answers requests Asleep', () => {
    const a = node(0, [3], G({}));
    const stray = step(GLAP_AVERAGING, a, createProfile(1, 0, 4, 99));
    expect(stray).toEqual([]);
    a.node.asleep = true;
    const req = createProfile(1, 0, 5, 0);
    req.type = MsgType.ProfileRequest;
    const fx = step(GLAP_AVERAGING, a, req);
    expect(fx.map((e) => (e.fx === 'send' ? MSG_TYPE_NAMES[e.msg.type] : e.fx))).toEqual([
      'Asleep',
    ]);
  });
});

function createProfile(from: number, to: number, seq: number, re: number): Message {
  const m = message(MsgType.Profile, from, to, seq, re);
  m.data = [4000, 4096, 1500, 0];
  return m;
}

describe('the tables as rows', () => {
  /** The first entry where `x` and `y` differ bit for bit (−0 is not +0), or −1. */
  const firstDiff = (x: Float32Array, y: Float32Array) => {
    const [bx, by] = [x, y].map((v) => new Uint32Array(v.buffer, v.byteOffset, v.length));
    return bx!.findIndex((b, e) => b !== by![e]);
  };
  const tablesOf = (p: PolicyGlap): QTable[] => [p.q.phiOut, p.q.phiIn];
  /**
   * Writes to one entry: table (φout 0, φin 1), state, action (often the first few, so that the
   * peers' rows meet), value (zeros and −0 included).
   */
  const index = fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 80 }));
  const write = fc.tuple(
    fc.integer({ min: 0, max: 1 }),
    index,
    index,
    fc.oneof(
      fc.constantFrom(0, -0, 1e-45, -1e-45),
      fc.float({ noNaN: true, noDefaultInfinity: true }),
    ),
  );
  interface Peer {
    mode: QTableMode;
    writes: [number, number, number, number][];
  }
  const peer: fc.Arbitrary<Peer> = fc.record({
    mode: fc.constantFrom(...QTABLE_MODES),
    writes: fc.array(write, { maxLength: 60 }),
  });
  const NEGATIVE_ZERO: Peer = { mode: 'sparse', writes: [[0, 1, 2, -0]] };

  it('an exchange leaves both PMs with the whole tables’ mean, and allocates the rows it did', () => {
    fc.assert(
      fc.property(peer, peer, (pa, pb) => {
        const [a, b] = [pa, pb].map((o) => {
          const p = new PolicyGlap(new Rng(1), { ...GREEDY_Q, tables: o.mode }, G({}));
          for (const [t, s, act, q] of o.writes) tablesOf(p)[t]!.set(s, act, q);
          return p;
        });
        const before = [a!, b!].map((p) => tablesOf(p).map((t) => t.values.slice()));
        const written = [pa, pb].map((o) => new Set(o.writes.map(([t, s]) => t * 81 + s)));
        const toB = a!.exportTables();
        const toA = b!.exportTables();
        expect(isTableRows(toB, 2) && isTableRows(toA, 2)).toBe(true);
        b!.merge(toB);
        a!.merge(toA);
        for (const [i, p] of [a!, b!].entries())
          for (const [t, table] of tablesOf(p).entries()) {
            const [mine, theirs] = [before[i]![t]!, before[1 - i]![t]!];
            // The whole-table mean as GLAP computed it before: (mine + theirs) / 2 into float32.
            const mean = new Float32Array(81 * 81);
            for (let e = 0; e < mean.length; e++) mean[e] = (mine[e]! + theirs[e]!) / 2;
            expect(firstDiff(table.values, mean)).toBe(-1);
            if ([pa, pb][i]!.mode === 'dense') continue;
            // A row is held if it was written here or the peer's is not all zeros.
            let rows = 0;
            for (let s = 0; s < 81; s++)
              if (
                written[i]!.has(t * 81 + s) ||
                theirs.subarray(s * 81, s * 81 + 81).some((v) => v !== 0)
              )
                rows++;
            expect(table.allocatedRows()).toBe(rows);
          }
      }),
      // −0 on both sides and nothing else: the mean keeps −0 only if that row is sent.
      { examples: [[NEGATIVE_ZERO, NEGATIVE_ZERO]] },
    );
  });

  const codec = messageCodecFor([GLAP_AVERAGING]);
  const mergeWith = (rows: Float32Array | null) => {
    const m = message(MsgType.Merge, 0, 1, 3);
    m.rows = rows;
    return m;
  };
  /** A Merge as it arrives from Kafka, with `rows` replaced by `numbers` as the wire has them. */
  const arriving = (numbers: unknown): unknown => ({
    ...(JSON.parse(JSON.stringify(codec.encode(mergeWith(new Float32Array(0))))) as object),
    rows: numbers,
  });
  /** A row in the rows layout: its key, its count, then (action, value) for every action. */
  const row = (key: number, q = 0.5) => [
    key,
    81,
    ...Array.from({ length: 81 }, (_, a) => [a, q]).flat(),
  ];

  it('the codec passes a PM’s rows across the wire unchanged', () => {
    const p = new PolicyGlap(new Rng(1), GREEDY_Q, G({}));
    p.q.phiOut.set(3, 4, 0.1);
    p.q.phiIn.set(80, 0, -2.5);
    const m = mergeWith(p.exportTables());
    expect(m.rows!.length).toBe(2 * 4); // two rows of one entry each: [key, 1, action, value]
    expect(codec.decode(JSON.parse(JSON.stringify(codec.encode(m))))).toEqual(m);
    expect(codec.decode(arriving([]))).toEqual(mergeWith(new Float32Array(0)));
  });

  it('the codec refuses malformed rows', () => {
    const malformed: [string, unknown][] = [
      ['no rows', null],
      ['the version-1 layout', new Array<number>(2 * 81 * 81).fill(0)],
      ['the version-2 layout', [5, ...new Array<number>(81).fill(0.5)]],
      ['a partial row', row(0).slice(0, 81)],
      ['a row of no entries', [3, 0]],
      ['a row of 82 entries', [3, 82, ...row(3).slice(2), 81, 0.5]],
      ['a fractional count', [3, 1.5, 0, 0.5]],
      ['a fractional action', [3, 1, 0.5, 0.5]],
      ['an action past 80', [3, 1, 81, 0.5]],
      ['a negative action', [3, 1, -1, 0.5]],
      ['an action twice', [3, 2, 4, 0.5, 4, 0.5]],
      ['actions out of order', [3, 2, 5, 0.5, 4, 0.5]],
      ['a row and a bit', [...row(0), 1]],
      ['a fractional key', row(1.5)],
      ['a negative key', row(-1)],
      ['a key past φin', row(162)],
      ['a key twice', [...row(5), ...row(5)]],
      ['keys out of order', [...row(7), ...row(5)]],
      ['a value no float32 is', row(4, 0.1)],
      ['a value past float32', row(4, 1e39)],
      ['a string', [...row(4).slice(0, 163), '1']],
      ['a null', [...row(4).slice(0, 163), null]],
      ['not an array', { 0: 1 }],
      ['oversized', new Array<number>(1_000_001).fill(0)],
    ];
    for (const [what, rows] of malformed) expect(codec.decode(arriving(rows)), what).toBeNull();
  });

  it('the codec never throws on garbled rows, and what it lets through is rows', () => {
    const number = fc.oneof(fc.integer({ min: -2, max: 170 }), fc.double(), fc.float());
    fc.assert(
      fc.property(fc.array(number, { maxLength: 400 }), (rows) => {
        const m = codec.decode(arriving(rows));
        if (m !== null) expect(isTableRows(m.rows!, 2)).toBe(true);
      }),
    );
  });
});
