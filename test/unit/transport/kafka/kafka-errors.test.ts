/**
 * Which Kafka failures the edge retries and which it refuses at once, read from kafkajs' error
 * chains (a protocol error wrapped by the retrier), and the one sentence each becomes.
 */
import { describe, expect, it } from 'vitest';
import {
  KafkaRefusedError,
  KafkaUnavailableError,
  refusalOf,
  refused,
  unavailable,
  unreachable,
} from '../../../../src/transport/kafka/kafka-errors.ts';

/** Shapes as kafkajs builds them: KafkaJSProtocolError inside KafkaJSNonRetriableError / NumberOfRetriesExceeded. */
const protocol = (type: string, message = type) =>
  Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type, retriable: false });
const wrapped = (inner: Error, name = 'KafkaJSNonRetriableError') =>
  Object.assign(new Error(inner.message, { cause: inner }), { name, retriable: false });

describe('Kafka error classification', () => {
  it('refuses too-large, not-authorised and unknown-topic failures, wrapped or not', () => {
    expect(refusalOf(protocol('MESSAGE_TOO_LARGE'))).toEqual({
      kind: 'too-large',
      type: 'MESSAGE_TOO_LARGE',
    });
    expect(refusalOf(wrapped(protocol('TOPIC_AUTHORIZATION_FAILED')))?.kind).toBe('not-authorised');
    expect(
      refusalOf(wrapped(protocol('UNKNOWN_TOPIC_OR_PARTITION'), 'KafkaJSNumberOfRetriesExceeded'))
        ?.kind,
    ).toBe('unknown-topic');
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    expect(refusalOf(sasl)?.kind).toBe('not-authorised');
    const aggregate = Object.assign(new Error('2 errors'), {
      errors: [new Error('x'), protocol('RECORD_LIST_TOO_LARGE')],
    });
    expect(refusalOf(aggregate)?.kind).toBe('too-large');
  });

  it('retries what may pass: connection loss, leader changes, timeouts, BROKER_NOT_AVAILABLE', () => {
    for (const e of [
      Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' }),
      wrapped(protocol('NOT_LEADER_FOR_PARTITION'), 'KafkaJSNumberOfRetriesExceeded'),
      protocol('BROKER_NOT_AVAILABLE'),
      new Error('Request timed out'),
    ]) {
      expect(refusalOf(e)).toBeNull();
    }
  });

  it('says what was refused in one sentence', () => {
    const e = refused(
      'cannot publish to Kafka',
      { kind: 'not-authorised', type: 'TOPIC_AUTHORIZATION_FAILED' },
      protocol('TOPIC_AUTHORIZATION_FAILED'),
    );
    expect(e).toBeInstanceOf(KafkaRefusedError);
    expect(e.retriable).toBe(false);
    expect(e.message).toBe(
      "cannot publish to Kafka: not authorised (TOPIC_AUTHORIZATION_FAILED): check --kafka-sasl and the user's ACLs",
    );
    const gone = refused(
      'cannot publish to Kafka',
      { kind: 'unknown-topic', type: 'UNKNOWN_TOPIC_OR_PARTITION' },
      protocol('UNKNOWN_TOPIC_OR_PARTITION'),
      'qossip.r.node.3',
    );
    expect(gone.message).toBe(
      'cannot publish to Kafka: topic qossip.r.node.3 does not exist (deleted while the run used it?)',
    );
  });

  it('names the budget and the last reason when time ran out', () => {
    const e = unavailable(
      'cannot publish to Kafka',
      60_000,
      wrapped(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092')),
    );
    expect(e).toBeInstanceOf(KafkaUnavailableError);
    expect(e.message).toBe(
      'cannot publish to Kafka within 60 s (Connection error: connect ECONNREFUSED 127.0.0.1:9092)',
    );
    expect(unavailable('cannot publish to Kafka', 3000, undefined).message).toBe(
      'cannot publish to Kafka within 3 s (no answer)',
    );
  });

  it('at first contact, tells a refused login and a probable missing login from an unreachable broker', () => {
    const sasl = Object.assign(
      new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'),
      { name: 'KafkaJSSASLAuthenticationError' },
    );
    expect(unreachable(['k:9092'], sasl, true).message).toBe(
      "Kafka at k:9092 refused qossip's login (SASL SCRAM SHA512 authentication failed: invalid credentials); check --kafka-sasl",
    );
    const closed = Object.assign(new Error('Closed connection'), {
      name: 'KafkaJSConnectionClosedError',
    });
    expect(unreachable(['k:9092'], closed, false).message).toBe(
      'Kafka at k:9092 closed the connection at the first request: it may require a login; pass --kafka-sasl mechanism:user:password-file',
    );
    expect(unreachable(['k:9092'], closed, true).message).toMatch(
      /^cannot reach Kafka at k:9092 \(Closed connection\); start a local broker/,
    );
  });
});
