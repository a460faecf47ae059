/**
 * Authentication of a run's Kafka records. Each run has a secret (32 random bytes, made by the
 * driver and handed to node hosts out of band: a file or an environment variable, never a topic).
 * Every process seals each record it publishes in a wrapper naming the sender process and a
 * per-process sequence number, signed with HMAC-SHA256 over the topic, sender, sequence number
 * and the record's JSON text:
 *
 *   {"p":"h20-39","q":17,"h":"<64 hex digits>","r":<record JSON>}
 *
 * The wrapper is written and read as text (never re-serialised), so the signed bytes are exactly
 * the record's bytes on the wire, and the value stays JSON that stock tools can read. Receivers
 * drop (and count) anything unsigned or mis-signed; which sender may say what is their business.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Length of a run secret, in bytes (the HMAC-SHA256 block is 64; 32 is its output size). */
export const RUN_SECRET_BYTES = 32;

/** A sender id: the driver is `d`, a node host `h<lo>-<hi>` (its node range). */
const SENDER = /^[a-z][0-9a-z-]{0,39}$/;
const HEAD = /^\{"p":"([0-9a-z-]{1,40})","q":(\d{1,15}),"h":"([0-9a-f]{64})","r":/;

/** A fresh run secret (the driver's; randomness that never touches results). */
export function newRunSecret(): Buffer {
  return randomBytes(RUN_SECRET_BYTES);
}

/** The text form of a secret: hex, as in a secret file or QOSSIP_RUN_SECRET. */
export function secretToText(secret: Buffer): string {
  return secret.toString('hex');
}

/** The secret in `text` (hex, surrounding blanks ignored), or null when it is not one. */
export function secretFromText(text: string): Buffer | null {
  const t = text.trim();
  return new RegExp(`^[0-9a-fA-F]{${2 * RUN_SECRET_BYTES}}$`).test(t)
    ? Buffer.from(t, 'hex')
    : null;
}

/** An authentic record: who sent it, its sequence number, and its JSON text. */
export interface OpenedRecord {
  sender: string;
  seq: number;
  body: string;
}

/** Why a record was refused. */
export type Refusal = 'unsigned' | 'mis-signed';

/** One process's sealing and checking of records, with the run's secret. */
export class RecordAuth {
  private seq = 0;

  constructor(
    private readonly secret: Buffer,
    /** This process's sender id. */
    readonly sender: string,
  ) {
    if (!SENDER.test(sender)) throw new Error(`bad sender id '${sender}'`);
    if (secret.length !== RUN_SECRET_BYTES) throw new Error('a run secret is 32 bytes');
  }

  /** The sequence number of the last record sealed (0 before the first). */
  get lastSeq(): number {
    return this.seq;
  }

  /** The wire value of `body` (a record's JSON text) published on `topic`, signed. */
  seal(topic: string, body: string): string {
    const q = ++this.seq;
    return `{"p":"${this.sender}","q":${q},"h":"${this.mac(topic, this.sender, q, body)}","r":${body}}`;
  }

  /** The authentic record in `value` read from `topic`, or why it is refused. */
  open(topic: string, value: string): OpenedRecord | Refusal {
    const m = HEAD.exec(value);
    if (!m || !value.endsWith('}')) return 'unsigned';
    const sender = m[1]!;
    const seq = Number(m[2]);
    const body = value.slice(m[0].length, -1);
    const want = Buffer.from(this.mac(topic, sender, seq, body), 'hex');
    return timingSafeEqual(want, Buffer.from(m[3]!, 'hex')) ? { sender, seq, body } : 'mis-signed';
  }

  private mac(topic: string, sender: string, seq: number, body: string): string {
    return createHmac('sha256', this.secret)
      .update(`${topic}\n${sender}\n${seq}\n`)
      .update(body)
      .digest('hex');
  }
}

/** Sender id of the driver. */
export const DRIVER_SENDER = 'd';

/** Sender id of the node host of nodes lo–hi. */
export function hostSender(lo: number, hi: number): string {
  return `h${lo}-${hi}`;
}
