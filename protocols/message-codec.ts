/**
 * Validation of messages arriving from outside the process (Kafka): schema, protocol version,
 * a type some protocol of the stack owns, the payload that type always carries, and the owner's
 * check of that payload's layout (`Protocol.wellFormed`). Checked at the edge, so handlers only
 * ever see well-formed messages of their own union; anything else is dropped and counted by the
 * transport. `rows`, a Float32Array in memory, travels as plain numbers and is one again after.
 */
import { z } from 'zod';
import { PROTOCOL_VERSION, type Message } from './messages.ts';
import type { Protocol } from './protocol.ts';

const nat = z.number().int().min(0);
const amount = z.number().min(0).max(1e12);

/** A float32 field: numbers on the wire, each exactly a float32 (as the sender held it). */
const float32s = z
  .array(z.number())
  .max(1_000_000)
  .transform((xs, ctx) => {
    const f = Float32Array.from(xs);
    for (let i = 0; i < xs.length; i++)
      if (f[i] !== xs[i]) {
        ctx.issues.push({ code: 'custom', message: 'not a float32', input: xs[i] });
        return z.NEVER;
      }
    return f;
  });

const WireSchema = z
  .object({
    v: z.literal(PROTOCOL_VERSION),
    type: z.number().int(),
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
    rows: float32s.nullable(),
  })
  .strict();

export interface MessageCodec {
  encode(m: Message): unknown;
  /** The message, or null when it is malformed, of another protocol version, or of no protocol. */
  decode(raw: unknown): Message | null;
}

/** The codec of a stack: the message types its protocols own, with their payloads. */
export function messageCodecFor(
  stack: readonly Pick<Protocol<never>, 'types' | 'carries' | 'wellFormed'>[],
): MessageCodec {
  const owner = new Map<number, (typeof stack)[number]>();
  for (const p of stack)
    for (const t of p.types) {
      if (owner.has(t)) throw new Error(`two protocols of the stack claim message type ${t}`);
      owner.set(t, p);
    }
  const codec: MessageCodec = {
    encode: (m) => (m.rows === null ? m : { ...m, rows: Array.from(m.rows) }),
    decode(raw) {
      const r = WireSchema.safeParse(raw);
      const p = r.success ? owner.get(r.data.type) : undefined;
      if (p === undefined) return null;
      const m = r.data as Message;
      const field = p.carries?.[m.type];
      if (field === 'vm' ? m.vm < 0 : field ? m[field] === null : false) return null;
      return p.wellFormed?.(m) === false ? null : m;
    },
  };
  return codec;
}
