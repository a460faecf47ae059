/**
 * The Transport contract (memberlist's transport.go, PeerSim's Transport): moves messages between
 * nodes in phases. Everything sent during phase k is delivered in phase k+1, and each node's inbox
 * is in canonical order (sender id, then sequence number), so delivery never depends on arrival
 * time and every transport gives the same run for the same seed.
 */

export interface Envelope {
  readonly from: number;
  readonly to: number;
  readonly seq: number;
}

export interface Transport<M extends Envelope> {
  /** Queues `msg` for delivery in the next phase. Never blocks; never throws for a sleeping node. */
  send(msg: M): void;
  /**
   * Closes the current phase: messages sent since the previous call become deliverable.
   * Resolves to the number of messages delivered to local nodes in the new phase.
   */
  nextPhase(): Promise<number>;
  /** Local nodes with mail in the current phase, ascending. */
  recipients(): readonly number[];
  /** The current phase's inbox of a local node, in canonical order. */
  inbox(node: number): readonly M[];
  /**
   * Optional: the current phase's inboxes of `recipients()`, in that order, as one list (valid
   * until the next `nextPhase`), so the engine needs no array per inbox.
   */
  delivered?(): readonly M[];
  /**
   * A barrier that delivers nothing, called after every round's end so that events of all
   * processes are in before the step is measured (distributed transports); absent in memory.
   */
  sync?(): Promise<void>;
  /** True while some message already sent has not been delivered yet (e.g. a delayed one). */
  pending(): boolean;
  /** Releases resources (connections); the transport is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * Sorts a small inbox by (from, seq) in place (`a[start, start + length)`, default all of `a`);
 * insertion sort, linear when already ordered.
 */
export function sortCanonical<M extends Envelope>(
  a: M[],
  start = 0,
  length = a.length - start,
): void {
  const end = start + length;
  for (let i = start + 1; i < end; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= start && (a[j]!.from > x.from || (a[j]!.from === x.from && a[j]!.seq > x.seq))) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}
