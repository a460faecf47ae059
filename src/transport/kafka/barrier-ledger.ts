/**
 * Exact barrier accounting for the Kafka transport. Each process publishes a phase's records as
 * one run of consecutive sequence numbers (its messages, then its events), followed by its
 * announcement, which counts them: so the announcement signed with sequence number `q` that
 * counts N records vouches for exactly the records of sequence numbers [q − N, q) of that barrier.
 * A barrier closes when every process has announced and, from each, exactly the records it
 * counted for this process have arrived. Anything else an authentic sender is heard to say — a
 * record outside its announced run, for a barrier already closed and never announced, for a
 * barrier no honest process can have reached — is counted invalid and never delivered; copies of
 * a record already kept (Kafka delivers at least once: a re-sent request, a re-read partition)
 * are dropped without counting. Records of barriers not yet begun are buffered up to a bound.
 */
import { UserError } from '../../core/errors.ts';

/** A barrier announcement (the transport's `phase` control record, after its checks). */
export interface Announcement {
  p: number;
  sent: number[];
  events: number;
  invalid: number;
}

interface Announced {
  a: Announcement;
  /** Sequence numbers [lo, hi) of the records it vouches for; hi is its own. */
  lo: number;
  hi: number;
}

class Phase<M, E> {
  readonly anns = new Map<number, Announced>();
  /** Per sender process, its records kept so far by sequence number. */
  readonly msgs: Map<number, M>[];
  readonly events: Map<number, E>[];
  constructor(processes: number) {
    this.msgs = Array.from({ length: processes }, () => new Map());
    this.events = Array.from({ length: processes }, () => new Map());
  }
}

export type FileResult = 'kept' | 'duplicate' | 'invalid';

export class BarrierLedger<M, E> {
  private readonly phases = new Map<number, Phase<M, E>>();
  /** Last barrier closed here. */
  private closed = 0;
  /** Last barrier begun here (its own records published). */
  private begun = 0;
  /** Per sender process, the sequence number of its announcement of the last closed barrier. */
  private readonly closedSeq: number[];
  /** Records kept for barriers not begun yet. */
  private future = 0;
  /** Per process, the barrier from which it is lost (Infinity: not lost). */
  private readonly lostFrom: number[];

  constructor(
    private readonly processes: number,
    /** This process's index. */
    private readonly self: number,
    /** Most records buffered for barriers not begun yet; more is an error that stops the run. */
    private readonly maxFuture: number,
    private readonly describe: (p: number) => string,
  ) {
    this.closedSeq = new Array<number>(processes).fill(0);
    this.lostFrom = new Array<number>(processes).fill(Infinity);
  }

  /**
   * Process `p` is lost from barrier `b` on: no barrier from `b` waits for it, and what it filed
   * for them is dropped (so are its later records). Throws when `b` has closed here already:
   * this process kept records of `p` that the others are told to drop.
   */
  markLost(p: number, b: number): void {
    if (b <= this.closed)
      throw new UserError(
        `${this.describe(p)} was declared lost at barrier ${b} over Kafka, which this process had already closed with its records`,
      );
    this.lostFrom[p] = Math.min(this.lostFrom[p]!, b);
    for (const [pb, ph] of this.phases) {
      if (pb < b) continue;
      ph.anns.delete(p);
      for (const box of [ph.msgs[p]!, ph.events[p]!] as Map<number, unknown>[]) {
        if (pb > this.begun) this.future -= box.size;
        box.clear();
      }
    }
  }

  private isLost(p: number, b: number): boolean {
    return b >= this.lostFrom[p]!;
  }

  private phase(b: number): Phase<M, E> {
    let ph = this.phases.get(b);
    if (!ph) this.phases.set(b, (ph = new Phase(this.processes)));
    return ph;
  }

  /**
   * Where barrier `b`'s record stands against what is already closed: `null` when it can still
   * count, else what it is. A process can be at most two barriers ahead of one that has closed
   * `closed` (it needs this process's announcement of closed + 1 to close that one).
   */
  private stale(b: number, p: number, seq: number): FileResult | null {
    if (b <= this.closed) return seq < this.closedSeq[p]! ? 'duplicate' : 'invalid';
    return b > this.closed + 2 ? 'invalid' : null;
  }

  /** Files a message (`kind` msgs) or event of barrier `b` from process `p`, sequence number `seq`. */
  file(kind: 'msgs' | 'events', b: number, p: number, seq: number, x: M | E): FileResult {
    const st = this.stale(b, p, seq);
    if (st) return st;
    if (this.isLost(p, b)) return 'invalid';
    const ph = this.phase(b);
    const ann = ph.anns.get(p);
    if (ann && (seq < ann.lo || seq >= ann.hi)) return 'invalid';
    const box = ph[kind][p]! as Map<number, M | E>;
    if (box.has(seq)) return 'duplicate';
    if (b > this.begun && ++this.future > this.maxFuture)
      throw new UserError(
        `more than ${this.maxFuture} records arrived over Kafka for barriers not begun yet (barrier ${b} from ${this.describe(p)}); a process is running ahead of the run or records are being injected`,
      );
    box.set(seq, x);
    return 'kept';
  }

  /**
   * Files process `p`'s announcement of barrier `b`, signed with sequence number `seq`; returns
   * how many records already filed from `p` for `b` it does not vouch for (dropped, invalid).
   */
  announce(b: number, a: Announcement, seq: number): FileResult | number {
    // An announcement of a closed barrier is a copy when it is that barrier's or an earlier one.
    const st = this.stale(b, a.p, seq - 1);
    if (st) return st;
    if (a.sent.length !== this.processes || this.isLost(a.p, b)) return 'invalid';
    const ph = this.phase(b);
    const had = ph.anns.get(a.p);
    if (had) return had.hi === seq ? 'duplicate' : 'invalid';
    let n = a.events;
    for (const k of a.sent) n += k;
    const lo = seq - n;
    if (lo < 1) return 'invalid';
    ph.anns.set(a.p, { a, lo, hi: seq });
    let dropped = 0;
    for (const box of [ph.msgs[a.p]!, ph.events[a.p]!] as Map<number, unknown>[])
      for (const s of box.keys())
        if (s < lo || s >= seq) {
          box.delete(s);
          dropped++;
          if (b > this.begun) this.future--;
        }
    return dropped;
  }

  /** This process begins barrier `b` (its records are about to be published). */
  begin(b: number): void {
    this.begun = b;
    const ph = this.phases.get(b);
    if (ph) for (const box of [...ph.msgs, ...ph.events]) this.future -= box.size;
  }

  /**
   * True when barrier `b` can close: every process announced and exactly the records each counted
   * for this process (and, at `withEvents`, every event) arrived; throws when a process sent more
   * than it announced.
   */
  ready(b: number, withEvents: boolean): boolean {
    const ph = this.phases.get(b);
    let expected = 0;
    for (let p = 0; p < this.processes; p++) if (!this.isLost(p, b)) expected++;
    if (!ph || ph.anns.size < expected) return false;
    for (const [p, { a }] of ph.anns) {
      const checks: [number, number, string][] = [
        [ph.msgs[p]!.size, a.sent[this.self]!, 'messages'],
      ];
      if (withEvents) checks.push([ph.events[p]!.size, a.events, 'events']);
      for (const [got, want, what] of checks) {
        if (got > want)
          throw new UserError(
            `${this.describe(p)} sent ${got} ${what} for barrier ${b} over Kafka but announced ${want}`,
          );
        if (got < want) return false;
      }
    }
    return true;
  }

  /** Closes barrier `b` (ready): its messages, events and announcements. */
  close(b: number): { msgs: M[]; events: E[]; anns: Announcement[] } {
    const ph = this.phases.get(b)!;
    this.phases.delete(b);
    this.closed = b;
    const msgs: M[] = [];
    const events: E[] = [];
    const anns: Announcement[] = [];
    for (const [p, { a, hi }] of ph.anns) {
      this.closedSeq[p] = hi;
      for (const m of ph.msgs[p]!.values()) msgs.push(m);
      for (const e of ph.events[p]!.values()) events.push(e);
      anns.push(a);
    }
    return { msgs, events, anns };
  }

  /** Processes that have not announced barrier `b`. */
  silent(b: number): number[] {
    const anns = this.phases.get(b)?.anns;
    const out: number[] = [];
    for (let p = 0; p < this.processes; p++) if (!anns?.has(p) && !this.isLost(p, b)) out.push(p);
    return out;
  }
}
