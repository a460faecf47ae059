/**
 * One process's replay of node hosts lost over Kafka (`host-loss` events, src/model/events.ts).
 * Barriers are counted as the Kafka transport counts them: every phase and every flush (`sync`).
 * A host lost at barrier L published nothing for L: so from the close of barrier L − 1 its nodes
 * are cut off. What they send is dropped uncounted (the lost host never announced it); what is
 * sent to them is counted, as the survivors' announcements count it, and dropped. At barrier L
 * itself `onLoss` is told, as the Kafka driver is when it declares the host lost there.
 */
import type { Envelope, Transport } from './transport.ts';

export class TransportIsolating<M extends Envelope> implements Transport<M> {
  private barrier = 0;
  /** 1 for a node cut off. */
  private readonly cut: Uint8Array;
  /** Messages to cut-off nodes since the last barrier: counted there, delivered to nobody. */
  private dropped = 0;

  constructor(
    private readonly inner: Transport<M>,
    nodes: number,
    private readonly losses: readonly { barrier: number; pms: readonly number[] }[],
    private readonly onLoss: (pms: readonly number[], barrier: number) => void,
  ) {
    this.cut = new Uint8Array(nodes);
    this.isolateFrom(1); // lost at the first barrier: cut off from the start
  }

  /** Whether `node` is cut off (its events are lost with it too). */
  isolated(node: number): boolean {
    return this.cut[node] === 1;
  }

  send(msg: M): void {
    if (this.cut[msg.from] === 1) return;
    if (this.cut[msg.to] === 1) {
      this.dropped++;
      return;
    }
    this.inner.send(msg);
  }

  async nextPhase(): Promise<number> {
    this.reach();
    const delivered = (await this.inner.nextPhase()) + this.dropped;
    this.dropped = 0;
    this.isolateFrom(this.barrier + 1);
    return delivered;
  }

  async sync(): Promise<void> {
    this.reach();
    await this.inner.sync?.();
    this.isolateFrom(this.barrier + 1);
  }

  recipients(): readonly number[] {
    return this.inner.recipients();
  }

  inbox(node: number): readonly M[] {
    return this.inner.inbox(node);
  }

  pending(): boolean {
    return this.dropped > 0 || this.inner.pending();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** A barrier begins: the losses declared at it are told. */
  private reach(): void {
    const b = ++this.barrier;
    for (const l of this.losses) if (l.barrier === b) this.onLoss(l.pms, b);
  }

  /** The nodes of hosts lost at `barrier` are cut off now (barrier − 1 has closed). */
  private isolateFrom(barrier: number): void {
    for (const l of this.losses) if (l.barrier === barrier) for (const h of l.pms) this.cut[h] = 1;
  }
}
