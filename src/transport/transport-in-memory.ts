/**
 * In-memory network: the default transport, and real code (memberlist ships its mock transport
 * the same way). A phase's sends go to one flat list; the next phase sorts them by recipient.
 */
import { invariant } from '../core/errors.ts';
import { sortCanonical, type Envelope, type Transport } from './transport.ts';

export class TransportInMemory<M extends Envelope> implements Transport<M> {
  /** Messages sent since the last phase, in send order (one flat list: a send touches no inbox). */
  private sent: M[] = [];
  /** The current phase's messages, grouped by recipient (ascending), each group canonical. */
  private mail: M[] = [];
  /** Per node: messages sent to it since the last phase. */
  private readonly queued: Int32Array;
  /** Per node: where its group starts in `mail`, and its length (0: no mail this phase). */
  private readonly boxStart: Int32Array;
  private readonly boxLength: Int32Array;
  private nextRecipients: number[] = [];
  private curRecipients: number[] = [];
  /** Messages sent since the transport was created. */
  sentCount = 0;

  constructor(readonly nodeCount: number) {
    this.queued = new Int32Array(nodeCount);
    this.boxStart = new Int32Array(nodeCount);
    this.boxLength = new Int32Array(nodeCount);
  }

  send(msg: M): void {
    const to = msg.to;
    // Checked before calling `invariant` so that the hot path allocates no message closure.
    if (!(to >= 0 && to < this.nodeCount)) invariant(false, `message to unknown node ${to}`);
    if (this.queued[to]!++ === 0) this.nextRecipients.push(to);
    this.sent.push(msg);
    this.sentCount++;
  }

  nextPhase(): Promise<number> {
    const boxStart = this.boxStart;
    const boxLength = this.boxLength;
    const queued = this.queued;
    for (const r of this.curRecipients) boxLength[r] = 0;
    const rs = this.nextRecipients;
    this.nextRecipients = this.curRecipients;
    this.nextRecipients.length = 0;
    this.curRecipients = rs;
    orderAscending(rs, queued);
    // A counting sort by recipient: each group in send order, then sorted canonically.
    let at = 0;
    for (const r of rs) {
      boxStart[r] = at;
      at += queued[r]!;
      queued[r] = 0;
    }
    const sent = this.sent;
    const mail = this.mail;
    // Resized without dropping its backing store (every slot is overwritten below).
    while (mail.length > sent.length) mail.pop();
    while (mail.length < sent.length) mail.push(sent[0]!);
    for (let i = 0; i < sent.length; i++) {
      const m = sent[i]!;
      mail[boxStart[m.to]! + boxLength[m.to]!++] = m;
    }
    for (const r of rs) if (boxLength[r]! > 1) sortCanonical(mail, boxStart[r]!, boxLength[r]!);
    const count = sent.length;
    empty(sent);
    return Promise.resolve(count);
  }

  recipients(): readonly number[] {
    return this.curRecipients;
  }

  delivered(): readonly M[] {
    return this.mail;
  }

  inbox(node: number): readonly M[] {
    const n = this.boxLength[node] ?? 0;
    if (n === 0) return [];
    const start = this.boxStart[node]!;
    return this.mail.slice(start, start + n);
  }

  pending(): boolean {
    return this.nextRecipients.length > 0;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Sorts the distinct recipients `rs` ascending. When they are many, rebuilding the list from the
 * `marked` counts (non-zero exactly for the members of `rs`) is a linear scan instead of a sort.
 */
function orderAscending(rs: number[], marked: Int32Array): void {
  const count = rs.length;
  if (count < 2) return;
  if (count * 16 < marked.length) {
    rs.sort((a, b) => a - b);
    return;
  }
  let k = 0;
  for (let i = 0; i < marked.length; i++) if (marked[i] !== 0) rs[k++] = i;
}

/**
 * Empties `a` but keeps its backing store for the next phase's pushes (setting `length = 0`
 * drops it, and refilling an inbox then allocates it again).
 */
function empty(a: unknown[]): void {
  while (a.length > 0) a.pop();
}
