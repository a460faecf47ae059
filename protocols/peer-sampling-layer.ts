/**
 * The stack's lowest layer: peer sampling. It overhears every message the node receives (an
 * `Asleep` reply marks its author asleep, any other message marks it awake: beliefs only from the
 * node's own traffic), and runs Cyclon's view exchange (Voulgaris et al. 2005; types 12–13): each
 * round the node sends one Shuffle, and answers a peer's Shuffle with its own entries, or with
 * `Asleep` while it sleeps. A sampler that does not gossip (uniform) shuffles nothing.
 */
import { MsgType, message, type Msg } from './messages.ts';
import type { PeerSampler } from './peer-sampling.ts';
import { nextSeq, type PmNode } from './pm-node.ts';
import { Lifecycle, answer, isTick, reply, type Protocol } from './protocol.ts';

export interface PeerSamplingState {
  readonly node: PmNode;
  readonly sampler: PeerSampler;
}

export type PeerSamplingMessage =
  Msg<typeof MsgType.Shuffle, 'peers'> | Msg<typeof MsgType.ShuffleReply, 'peers'>;

export const PEER_SAMPLING: Protocol<PeerSamplingState, PeerSamplingMessage> = {
  name: 'peer-sampling',
  types: [MsgType.Shuffle, MsgType.ShuffleReply],
  carries: { [MsgType.Shuffle]: 'peers', [MsgType.ShuffleReply]: 'peers' },
  init: (ctx) => ({ node: ctx.node, sampler: ctx.sampler }),
  overhear(p, m) {
    if (m.type === MsgType.Asleep) p.sampler.markAsleep(m.from);
    else p.sampler.markAwake(m.from);
  },
  step(p, ev, out) {
    const n = p.node;
    if (isTick(ev)) {
      if (ev.type !== Lifecycle.RoundInitiate) return;
      const shuffle = p.sampler.startShuffle(n.rng);
      if (shuffle !== null) {
        const m = message(MsgType.Shuffle, n.id, shuffle.to, nextSeq(n));
        m.peers = shuffle.entries;
        out.send(m);
      }
      return;
    }
    switch (ev.type) {
      case MsgType.Shuffle:
        if (n.asleep) {
          reply(n, out, ev, MsgType.Asleep);
        } else {
          const r = answer(n, ev, MsgType.ShuffleReply);
          r.peers = p.sampler.onShuffle(ev.from, ev.peers, n.rng);
          out.send(r);
        }
        return;
      case MsgType.ShuffleReply:
        p.sampler.onShuffleReply(ev.from, ev.peers);
        return;
    }
  },
};
