/**
 * Options of the consolidation exchange (config section `protocol`), declared once with their
 * defaults. The defaults are the tuned ones (README, "Configuration"; experiments/compare/sweeps/):
 * consolidation probes every 2 steps; the PM running fewer MIPS sends, so VMs gather on the bigger
 * host; an overloaded PM's VM is taken by any peer that stays under 80 % CPU; a sleeper is woken
 * only after 16 rounds (2 steps) stuck.
 */
import { z } from 'zod';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const ConsolidationOptionsSchema = z
  .object({
    /** Rounds without a reply after which a request is retransmitted (or a probe abandoned). */
    retryAfterRounds: int(1, 1000).default(1),
    /** Retransmissions of an unanswered Offer before the sender abandons it (safe: nothing moved). */
    maxOfferRetries: int(0, 1000).default(3),
    /** Rounds an uncommitted reservation holds the recipient's RAM before it is released. */
    reservationTtlRounds: int(1, 100_000).default(4),
    /**
     * Rounds a recipient remembers its answer to an offer, to answer retransmissions and
     * duplicates consistently. Must exceed the longest time a message can be in flight.
     */
    recordTtlRounds: int(1, 10_000_000).default(2000),
    /** Consecutive rounds an overloaded PM stays overloaded before it wakes a sleeping PM. */
    wakeAfterStuckRounds: int(1, 100_000).default(16),
    /** Most VMs one exchange moves; 0 = no limit. */
    maxMigrationsPerExchange: int(0, 1_000_000).default(0),
    /**
     * A PM that is not overloaded starts an exchange only every this many rounds (staggered by
     * node id); an overloaded one tries every round.
     */
    probeEveryRounds: int(1, 1_000_000).default(16),
    /**
     * CPU fraction (0..1] at or above which a PM acts as overloaded: it is always the sender,
     * sheds VMs until it is below it, and wakes a sleeper when stuck. 1: only a full PM.
     */
    shedAboveCpu: z.number().gt(0).max(1).default(1),
    /**
     * Who sends when neither PM is overloaded: `utilisation` (the thesis): the less utilised one;
     * `work`: the one running fewer MIPS, so VMs gather on the larger, more power-efficient hosts
     * (a G5 at 50 % carries more than a G4 at 60 %).
     */
    senderBy: z.enum(['utilisation', 'work']).default('work'),
    /**
     * Rescue: a VM offered by an overloaded PM is accepted whenever RAM fits and the recipient's
     * CPU stays below this fraction of capacity, whatever φin says (taking it is better than the
     * sender waking a sleeping PM). 0: offers are judged by πin alone.
     */
    rescueBelowCpu: z.number().min(0).max(1).default(0.8),
    /**
     * Rounds a woken PM takes to come up (experiments derive it from the datacenter's
     * `transitions.wakeSeconds`): it answers the Wake, and hosts VMs, only then. 0: at once.
     */
    wakeRounds: int(0, 100_000).default(0),
  })
  .strict();

export type ConsolidationOptions = z.output<typeof ConsolidationOptionsSchema>;

/** The defaults of every option. */
export function defaultConsolidationOptions(): ConsolidationOptions {
  return ConsolidationOptionsSchema.parse({});
}
