/**
 * The peer-sampling layer's step as data: a round's initiative sends one Cyclon shuffle, a
 * shuffle is answered with the node's own entries (or Asleep while it sleeps), a reply is merged;
 * and every message overheard updates the liveness beliefs.
 */
import { describe, expect, it } from 'vitest';
import { PEER_SAMPLING, type PeerSamplingState } from '../../../protocols/peer-sampling-layer.ts';
import { PeerSamplingCyclon } from '../../../protocols/peer-sampling-cyclon.ts';
import { PeerSamplingUniform } from '../../../protocols/peer-sampling-uniform.ts';
import { MsgType, message } from '../../../protocols/messages.ts';
import { createPmNode } from '../../../protocols/pm-node.ts';
import { ROUND_INITIATE, ROUND_START } from '../../../protocols/protocol.ts';
import { Rng } from '../../../src/core/rng.ts';
import { sends, step } from '../../helpers/protocol.ts';

function layer(sampler: PeerSamplingState['sampler'], asleep = false): PeerSamplingState {
  const node = createPmNode({
    id: 0,
    cpuCapMips: 4000,
    ramCapMb: 4096,
    rng: new Rng(3),
    sensor: { cpuMips: () => 0, ramMb: () => 0 },
    vms: [],
    asleep,
  });
  return { node, sampler };
}

const cyclon = () =>
  new PeerSamplingCyclon(0, { viewSize: 4, shuffleLength: 2, shuffleEveryRounds: 1 }, [1, 2, 3]);

describe('peer-sampling layer', () => {
  it('sends one shuffle at the round initiative (Cyclon), none otherwise or for a uniform sampler', () => {
    const p = layer(cyclon());
    expect(step(PEER_SAMPLING, p, ROUND_START)).toEqual([]);
    const fx = step(PEER_SAMPLING, p, ROUND_INITIATE);
    expect(fx).toHaveLength(1);
    const m = fx[0]!.fx === 'send' ? fx[0]!.msg : null;
    expect(m?.type).toBe(MsgType.Shuffle);
    expect(m?.peers?.slice(0, 2)).toEqual([0, 0]); // itself, age 0, then one entry
    expect(m?.peers).toHaveLength(4);
    expect(step(PEER_SAMPLING, layer(new PeerSamplingUniform(0, 4)), ROUND_INITIATE)).toEqual([]);
  });

  it('answers a shuffle with its own entries, or Asleep while asleep; merges a reply', () => {
    const shuffle = message(MsgType.Shuffle, 5, 0, 7);
    shuffle.peers = [5, 0, 6, 1];
    const awake = layer(cyclon());
    const fx = step(PEER_SAMPLING, awake, shuffle);
    expect(sends(fx)).toEqual(['ShuffleReply 0→5']);
    expect(fx[0]!.fx === 'send' && fx[0]!.msg.re).toBe(7);
    expect((awake.sampler as PeerSamplingCyclon).view()).toContain(5);
    expect(sends(step(PEER_SAMPLING, layer(cyclon(), true), shuffle))).toEqual(['Asleep 0→5']);
    const reply = message(MsgType.ShuffleReply, 9, 0, 2, 1);
    reply.peers = [9, 0];
    const p = layer(
      new PeerSamplingCyclon(0, { viewSize: 4, shuffleLength: 2, shuffleEveryRounds: 1 }, []),
    );
    expect(step(PEER_SAMPLING, p, reply)).toEqual([]);
    expect((p.sampler as PeerSamplingCyclon).view()).toEqual([9]);
  });

  it('overhears liveness from every message', () => {
    const p = layer(new PeerSamplingUniform(0, 4));
    PEER_SAMPLING.overhear!(p, message(MsgType.Asleep, 2, 0, 1));
    expect((p.sampler as PeerSamplingUniform).isBelievedAsleep(2)).toBe(true);
    PEER_SAMPLING.overhear!(p, message(MsgType.Probe, 2, 0, 2));
    expect((p.sampler as PeerSamplingUniform).isBelievedAsleep(2)).toBe(false);
  });
});
