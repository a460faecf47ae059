/**
 * The PM agent as the stack's only dispatcher: it drops messages of another version or of no
 * protocol (reporting them), lets the peer sampler overhear every message, routes each message
 * to its owner, carries out learning requests on the node's policy with their decision tokens
 * (the reward becomes an event), and the wire codec checks each type's payload at the edge.
 */
import { describe, expect, it } from 'vitest';
import { PmAgent } from '../../../nodes/pm-agent.ts';
import type { EffectSink } from '../../../nodes/node-events.ts';
import { STACK, messageCodec } from '../../../nodes/protocol-stack.ts';
import { MsgType, PROTOCOL_VERSION, message, type Message } from '../../../protocols/messages.ts';
import { PeerSamplingUniform } from '../../../protocols/peer-sampling-uniform.ts';
import { Out } from '../../../protocols/protocol.ts';
import type { NodePolicy } from '../../../src/policy/policy.ts';
import { PolicyQLearning } from '../../../src/policy/policy-q-learning.ts';
import { Rng } from '../../../src/core/rng.ts';
import { GREEDY_Q, PLAIN_PROTOCOL } from '../../helpers/fixtures.ts';

function recordingSink() {
  const log: string[] = [];
  const sink: EffectSink = {
    send: (m) => log.push(`send ${MsgTypeName(m)} ${m.from}→${m.to}`),
    migrated: (vm, from, to) => log.push(`migrated ${vm} ${from}→${to}`),
    slept: (n) => log.push(`slept ${n}`),
    woke: (n) => log.push(`woke ${n}`),
    rewarded: (n, role, r) => log.push(`rewarded ${n} ${role} ${r}`),
    rejected: (n, m) => log.push(`rejected ${n} ${m ? MsgTypeName(m) : '-'}`),
    exchangeStarted: (n) => log.push(`exchange ${n}`),
  };
  return { sink, log };
}

const MsgTypeName = (m: Message) =>
  Object.entries(MsgType).find(([, v]) => v === m.type)?.[0] ?? `type${m.type}`;

function agent(policy: NodePolicy, sampler = new PeerSamplingUniform(1, 4)) {
  const { sink, log } = recordingSink();
  const a = new PmAgent(
    {
      id: 1,
      cpuCapMips: 4000,
      ramCapMb: 4096,
      rng: new Rng(1),
      sensor: { cpuMips: () => 300, ramMb: () => 613 },
      vms: [10],
      asleep: false,
      policy,
      sampler,
      options: PLAIN_PROTOCOL,
    },
    STACK,
    sink,
    new Out(),
    () => {},
  );
  a.onStepStart();
  return { a, log, sampler };
}

describe('PmAgent', () => {
  it('reports a message of another protocol version or of no protocol, and routes none of them', () => {
    const { a, log } = agent(new PolicyQLearning(new Rng(1), GREEDY_Q));
    const old = message(MsgType.Probe, 0, 1, 1);
    old.v = PROTOCOL_VERSION + 1;
    a.onMessage(old);
    a.onMessage(message(99 as never, 0, 1, 2));
    expect(log).toEqual(['rejected 1 Probe', 'rejected 1 type99']);
  });

  it('lets the sampler overhear every message before its owner handles it', () => {
    const { a, sampler } = agent(new PolicyQLearning(new Rng(1), GREEDY_Q));
    a.onMessage(message(MsgType.Asleep, 3, 1, 1, 77)); // answers nothing of ours
    expect(sampler.isBelievedAsleep(3)).toBe(true);
    a.onMessage(message(MsgType.Decline, 3, 1, 2, 78));
    expect(sampler.isBelievedAsleep(3)).toBe(false);
  });

  it('carries out a commit: migrated, the reward of exactly the accepted decision, Done', () => {
    const calls: string[] = [];
    const q = new PolicyQLearning(new Rng(1), GREEDY_Q);
    const policy: NodePolicy = {
      gossips: true,
      chooseVm: () => -1,
      accept: (_s, _a, _c, _r, token) => (calls.push(`accept#${token}`), true),
      learnOut: () => 0,
      learnIn: (token, s, a, n) => (calls.push(`learnIn#${token}`), q.learnIn(token, s, a, n)),
    };
    const { a, log } = agent(policy);
    for (const [seq, vm] of [
      [5, 20],
      [6, 21],
    ] as const) {
      const o = message(MsgType.Offer, 0, 1, seq);
      o.vm = vm;
      o.cpuMips = 300;
      o.ramMb = 613;
      a.onMessage(o);
    }
    // The second reservation commits first: its own token is rewarded.
    const t = message(MsgType.Transfer, 0, 1, 7, 6);
    t.vm = 21;
    t.cpuMips = 300;
    t.ramMb = 613;
    log.length = 0;
    a.onMessage(t);
    expect(calls).toEqual(['accept#1', 'accept#2', 'learnIn#2']);
    expect(log).toEqual([
      'migrated 21 0→1',
      expect.stringMatching(/^rewarded 1 in /),
      'send Done 1→0',
    ]);
  });
});

describe('message codec', () => {
  const wire = (m: Message) => JSON.parse(JSON.stringify(messageCodec.encode(m))) as unknown;

  it("accepts every stack protocol's messages with their payloads", () => {
    const shuffle = message(MsgType.Shuffle, 0, 1, 1);
    shuffle.peers = [4, 0, 5, 1];
    const offer = message(MsgType.Offer, 0, 1, 2);
    offer.vm = 3;
    const merge = message(MsgType.Merge, 0, 1, 3);
    merge.rows = Float32Array.from([86, 2, 0, 0.25, 7, -1.5]); // φin's row 5: Q(5, 0) and Q(5, 7)
    for (const m of [shuffle, offer, merge, message(MsgType.Probe, 0, 1, 4)])
      expect(messageCodec.decode(wire(m))).toEqual(m);
  });

  it('refuses a type no protocol owns, and a type without the payload it always carries', () => {
    expect(messageCodec.decode(wire(message(99 as never, 0, 1, 1)))).toBeNull();
    expect(messageCodec.decode(wire(message(MsgType.Shuffle, 0, 1, 1)))).toBeNull();
    expect(messageCodec.decode(wire(message(MsgType.Offer, 0, 1, 1)))).toBeNull(); // vm −1
    expect(messageCodec.decode(wire(message(MsgType.Profile, 0, 1, 1)))).toBeNull();
    const stale = message(MsgType.Probe, 0, 1, 1);
    stale.v = PROTOCOL_VERSION - 1;
    expect(messageCodec.decode(wire(stale))).toBeNull();
  });
});
