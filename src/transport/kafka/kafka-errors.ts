/**
 * Typed failures of the Kafka edge (modelled on kafkajs' errors.js): `KafkaUnavailableError` when
 * the cluster could not be reached or did not answer within the retry budget (retrying later may
 * help), `KafkaRefusedError` when the broker refused an operation that cannot succeed by retrying
 * (a batch too large, not authorised, a topic that does not exist). Each carries one sentence.
 */
import { UserError } from '../../core/errors.ts';

/** Kafka could not be reached, or did not complete an operation within the retry budget. */
export class KafkaUnavailableError extends UserError {}

/** Kafka refused an operation that retrying cannot fix; raised at once, never retried. */
export class KafkaRefusedError extends UserError {}

export type RefusalKind = 'too-large' | 'not-authorised' | 'unknown-topic' | 'invalid';

/** Kafka protocol error types (as kafkajs names them) that retrying cannot fix, by kind. */
const REFUSALS: Record<string, RefusalKind> = {
  MESSAGE_TOO_LARGE: 'too-large',
  RECORD_LIST_TOO_LARGE: 'too-large',
  TOPIC_AUTHORIZATION_FAILED: 'not-authorised',
  GROUP_AUTHORIZATION_FAILED: 'not-authorised',
  CLUSTER_AUTHORIZATION_FAILED: 'not-authorised',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'not-authorised',
  SASL_AUTHENTICATION_FAILED: 'not-authorised',
  UNSUPPORTED_SASL_MECHANISM: 'not-authorised',
  ILLEGAL_SASL_STATE: 'not-authorised',
  // Retriable in Kafka's protocol (metadata may lag a creation): the edge confirms with a listing.
  UNKNOWN_TOPIC_OR_PARTITION: 'unknown-topic',
  INVALID_TOPIC_EXCEPTION: 'invalid',
  INVALID_RECORD: 'invalid',
  INVALID_REPLICATION_FACTOR: 'invalid',
  INVALID_PARTITIONS: 'invalid',
  INVALID_CONFIG: 'invalid',
  POLICY_VIOLATION: 'invalid',
  TOPIC_DELETION_DISABLED: 'invalid',
};

interface ErrorLike {
  name?: string;
  message?: string;
  type?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/** The error and everything it wraps (kafkajs: `cause`, `originalError`, aggregate `errors`). */
function chain(e: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  const todo = [e];
  while (todo.length > 0 && out.length < 32) {
    const x = todo.shift();
    if (typeof x !== 'object' || x === null || out.includes(x as ErrorLike)) continue;
    const err = x as ErrorLike;
    out.push(err);
    todo.push(err.cause, err.originalError, ...(Array.isArray(err.errors) ? err.errors : []));
  }
  return out;
}

/** What Kafka refused in `e`, if it is a refusal that retrying cannot fix; else null (retriable). */
export function refusalOf(e: unknown): { kind: RefusalKind; type: string } | null {
  for (const err of chain(e)) {
    const kind = err.type === undefined ? undefined : REFUSALS[err.type];
    if (kind) return { kind, type: err.type! };
    if (err.name === 'KafkaJSSASLAuthenticationError') {
      return { kind: 'not-authorised', type: 'SASL_AUTHENTICATION_FAILED' };
    }
  }
  return null;
}

/** True for JavaScript errors that are bugs (a TypeError in our code), never Kafka's doing. */
export function isBug(e: unknown): boolean {
  return (
    e instanceof TypeError ||
    e instanceof RangeError ||
    e instanceof ReferenceError ||
    e instanceof SyntaxError
  );
}

/** The innermost readable reason of a kafkajs error, without a trailing period. */
export function reason(e: unknown): string {
  const all = chain(e);
  const inner = all.length > 1 ? all[all.length - 1]! : all[0];
  return (inner?.message ?? String(e)).replace(/\.$/, '');
}

/** One sentence for a refusal of `what` (e.g. "cannot publish to Kafka"). */
export function refused(
  what: string,
  r: { kind: RefusalKind; type: string },
  e: unknown,
  detail = '',
): KafkaRefusedError {
  const why: Record<RefusalKind, string> = {
    'too-large': `a record batch is larger than the broker's max.message.bytes (${r.type})`,
    'not-authorised': `not authorised (${r.type}): check --kafka-sasl and the user's ACLs`,
    'unknown-topic': `topic ${detail} does not exist (deleted while the run used it?)`,
    invalid: `Kafka refused it as invalid (${r.type}: ${reason(e)})`,
  };
  return new KafkaRefusedError(`${what}: ${why[r.kind]}`, { cause: e, retriable: false });
}

/** One sentence for an operation that kept failing, or hung, until the retry budget ran out. */
export function unavailable(what: string, budgetMs: number, e: unknown): KafkaUnavailableError {
  const last = e === undefined ? 'no answer' : reason(e);
  const within = budgetMs > 0 ? ` within ${Math.round(budgetMs / 1000)} s` : '';
  return new KafkaUnavailableError(`${what}${within} (${last})`, {
    cause: e,
    retriable: true,
  });
}

/** The first contact failed: wrong address, broker down, or credentials missing or refused. */
export function unreachable(brokers: readonly string[], e: unknown, withSasl: boolean): UserError {
  const at = brokers.join(',');
  if (refusalOf(e)?.kind === 'not-authorised') {
    return new KafkaRefusedError(
      `Kafka at ${at} refused qossip's login (${reason(e)}); check --kafka-sasl`,
      { cause: e },
    );
  }
  const why = reason(e);
  // A SASL listener accepts a plain connection and closes it at the first request.
  if (!withSasl && /closed connection/i.test(why)) {
    return new KafkaRefusedError(
      `Kafka at ${at} closed the connection at the first request: it may require a login; pass --kafka-sasl mechanism:user:password-file`,
      { cause: e },
    );
  }
  return new KafkaUnavailableError(
    `cannot reach Kafka at ${at} (${why}); start a local broker with \`npm run kafka:start\` or pass --brokers host:port`,
    { cause: e, retriable: true },
  );
}
