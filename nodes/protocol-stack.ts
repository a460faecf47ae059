/**
 * The protocol stack every PM agent runs, lowest layer first, and the wire codec it implies.
 * The order is the order of lifecycle events: at a round's start GLAP opens its learning
 * exchange before Consolidation's timers run, and a node's Cyclon shuffle goes out before its
 * consolidation probe (their random draws and sequence numbers come in this order). A layer
 * whose `init` returns null for a node (GLAP without a GLAP policy) is left out of its stack.
 * Adding a protocol is writing its module (README, "Adding a protocol") and listing it here.
 */
import { CONSOLIDATION } from '../protocols/consolidation.ts';
import { GLAP_AVERAGING } from '../protocols/glap-averaging.ts';
import { messageCodecFor } from '../protocols/message-codec.ts';
import { PEER_SAMPLING } from '../protocols/peer-sampling-layer.ts';
import type { Protocol } from '../protocols/protocol.ts';

export const STACK: readonly Protocol<never>[] = [
  GLAP_AVERAGING as Protocol<never>,
  PEER_SAMPLING as Protocol<never>,
  CONSOLIDATION as Protocol<never>,
];

/** Validates messages from other processes against the stack's protocols. */
export const messageCodec = messageCodecFor(STACK);
