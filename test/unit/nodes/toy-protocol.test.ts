/**
 * Adding a protocol is one module (README, "Adding a protocol"): the toy Heartbeat protocol below
 * owns one new message type, keeps its own state, and is a pure step; stacked on the built-in
 * protocols, PM agents run it beside them over the in-memory transport, and the codec validates
 * its messages. A type claimed twice is refused.
 */
import { describe, expect, it } from 'vitest';
import { PmAgent } from '../../../nodes/pm-agent.ts';
import { STACK } from '../../../nodes/protocol-stack.ts';
import { messageCodecFor } from '../../../protocols/message-codec.ts';
import { message, type Message, type MsgTypeCode } from '../../../protocols/messages.ts';
import { nextSeq, type PmNode } from '../../../protocols/pm-node.ts';
import { Lifecycle, Out, isTick, type Protocol } from '../../../protocols/protocol.ts';
import { CycleEngine } from '../../../src/engine/cycle-engine.ts';
import { TransportInMemory } from '../../../src/transport/transport-in-memory.ts';
import { PolicyNone } from '../../../src/policy/policy-none.ts';
import { Rng } from '../../../src/core/rng.ts';
import { PLAIN_PROTOCOL } from '../../helpers/fixtures.ts';
import { sinkInto, towards } from '../../helpers/protocol.ts';

// ---- the whole protocol: what a new module would hold -----------------------------------------

/** A new type number, after the last one the built-in protocols use (17). */
const HEARTBEAT = 40 as MsgTypeCode;

interface HeartbeatState {
  readonly node: PmNode;
  /** Heartbeats heard, by sender. */
  heard: Map<number, number>;
}

/** Every round each awake PM tells its successor it is alive; data = [round]. */
const HEARTBEAT_PROTOCOL: Protocol<HeartbeatState> = {
  name: 'heartbeat',
  types: [HEARTBEAT],
  carries: { [HEARTBEAT]: 'data' },
  init: (ctx) => ({ node: ctx.node, heard: new Map() }),
  step(h, ev, out) {
    const n = h.node;
    if (isTick(ev)) {
      if (ev.type !== Lifecycle.RoundStart) return;
      const m = message(HEARTBEAT, n.id, (n.id + 1) % 3, nextSeq(n));
      m.data = [n.round];
      out.send(m);
      return;
    }
    h.heard.set(ev.from, (h.heard.get(ev.from) ?? 0) + 1);
  },
};

// -----------------------------------------------------------------------------------------------

function agents(stack: readonly Protocol<never>[]) {
  const transport = new TransportInMemory<Message>(3);
  const sink = sinkInto(transport);
  const out = new Out();
  const list = [0, 1, 2].map(
    (id) =>
      new PmAgent(
        {
          id,
          cpuCapMips: 4000,
          ramCapMb: 4096,
          rng: new Rng(id),
          sensor: { cpuMips: () => 100, ramMb: () => 613 },
          vms: [id],
          asleep: false,
          policy: new PolicyNone(),
          sampler: towards((id + 1) % 3),
          options: PLAIN_PROTOCOL,
        },
        stack,
        sink,
        out,
        () => {},
      ),
  );
  return { list, engine: new CycleEngine(list, transport) };
}

describe('adding a protocol as one module', () => {
  it('runs beside the built-in protocols, on its own messages and state', async () => {
    const { list, engine } = agents([...STACK, HEARTBEAT_PROTOCOL as Protocol<never>]);
    engine.startStep(0);
    for (let r = 0; r < 3; r++) await engine.runRound();
    const heard = (a: PmAgent) => a.stateOf(HEARTBEAT_PROTOCOL)!.heard;
    expect(list.map((a) => [...heard(a)])).toEqual([[[2, 3]], [[0, 3]], [[1, 3]]]);
  });

  it('the codec of its stack accepts its messages with their payload, and only then', () => {
    const codec = messageCodecFor([...STACK, HEARTBEAT_PROTOCOL as Protocol<never>]);
    const m = message(HEARTBEAT, 0, 1, 1);
    m.data = [5];
    expect(codec.decode(JSON.parse(JSON.stringify(m)))).toEqual(m);
    m.data = null;
    expect(codec.decode(JSON.parse(JSON.stringify(m)))).toBeNull();
  });

  it('a message type claimed by two protocols is refused', () => {
    const twin = { ...HEARTBEAT_PROTOCOL, name: 'twin' } as Protocol<never>;
    const stack = [...STACK, HEARTBEAT_PROTOCOL as Protocol<never>, twin];
    expect(() => agents(stack)).toThrow('protocols heartbeat and twin both claim type 40');
    expect(() => messageCodecFor(stack)).toThrow('claim message type 40');
  });

  it('a message type outside the dispatch table is refused', () => {
    const far = { ...HEARTBEAT_PROTOCOL, name: 'far', types: [200] } as unknown as Protocol<never>;
    expect(() => agents([...STACK, far])).toThrow('protocol far claims type 200, outside 1..127');
  });
});
