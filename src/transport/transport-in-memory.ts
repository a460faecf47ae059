/**
 * In-memory network: the default transport, and real code (memberlist ships its mock transport
 * the same way). Double-buffered inboxes give phase semantics without copying messages.
 */
import { invariant } from '../core/errors.ts';
import { sortCanonical, type Envelope, type Transport } from './transport.ts';

export class TransportInMemory<M extends Envelope> implements Transport<M> {
  private next: M[][];
  private cur: M[][];
  private readonly marked: Uint8Array;
  private nextRecipients: number[] = [];
  private curRecipients: number[] = [];
  /** Messages sent since the transport was created. */
  sentCount = 0;

  constructor(readonly nodeCount: number) {
    this.next = Array.from({ length: nodeCount }, () => []);
    this.cur = Array.from({ length: nodeCount }, () => []);
    this.marked = new Uint8Array(nodeCount);
  }

  send(msg: M): void {
    const to = msg.to;
    // Checked before calling `invariant` so that the hot path allocates no message closure.
    if (!(to >= 0 && to < this.nodeCount)) invariant(false, `message to unknown node ${to}`);
    if (this.marked[to] === 0) {
      this.marked[to] = 1;
      this.nextRecipients.push(to);
    }
    this.next[to]!.push(msg);
    this.sentCount++;
  }

  nextPhase(): Promise<number> {
    for (const r of this.curRecipients) empty(this.cur[r]!);
    const swap = this.cur;
    this.cur = this.next;
    this.next = swap;
    const rs = this.nextRecipients;
    this.nextRecipients = this.curRecipients;
    this.nextRecipients.length = 0;
    this.curRecipients = rs;
    orderAscending(rs, this.marked);
    let delivered = 0;
    for (const r of rs) {
      this.marked[r] = 0;
      const box = this.cur[r]!;
      if (box.length > 1) sortCanonical(box);
      delivered += box.length;
    }
    return Promise.resolve(delivered);
  }

  recipients(): readonly number[] {
    return this.curRecipients;
  }

  inbox(node: number): readonly M[] {
    return this.cur[node] ?? [];
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
 * `marked` flags (set exactly for the members of `rs`) is a linear scan instead of a sort.
 */
function orderAscending(rs: number[], marked: Uint8Array): void {
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
