/**
 * Validation of messages arriving from outside the process (Kafka): schema and protocol version,
 * checked at the edge so handlers only ever see well-formed messages. Anything else is dropped
 * and counted by the transport.
 */
import { z } from 'zod';
import { MsgType, PROTOCOL_VERSION, type Message, type MsgTypeCode } from './messages.ts';

const TYPES = Object.values(MsgType) as MsgTypeCode[];
const nat = z.number().int().min(0);
const amount = z.number().min(0).max(1e12);

const MessageSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.number().refine((t): t is MsgTypeCode => TYPES.includes(t as MsgTypeCode)),
    from: nat,
    to: nat,
    seq: z.number().int().min(1),
    re: nat,
    vm: z.number().int().min(-1),
    cpuMips: amount,
    ramMb: amount,
    cpuUtil: amount,
    ramUtil: amount,
    vmCount: nat,
    flags: nat,
    peers: z.array(z.number().int().min(0)).max(100_000).nullable(),
    data: z.array(z.number()).max(1_000_000).nullable(),
  })
  .strict();

export const messageCodec = {
  encode: (m: Message): unknown => m,
  /** The message, or null when it is malformed or of another protocol version. */
  decode(raw: unknown): Message | null {
    const r = MessageSchema.safeParse(raw);
    return r.success ? (r.data as Message) : null;
  },
};
