/**
 * Message round trip through a Kafka broker: a ping published to one node topic is answered on
 * another, through one producer and one consumer (as a qossip process uses them). Used by
 * `npm run bench -- --kafka`.
 */
import { performance } from 'node:perf_hooks';
import { KafkaIo } from '../../src/transport/kafka/kafka-io.ts';

/** Round-trip times in ms of `rounds` ping-pongs (after `warmup` unmeasured ones). */
export async function kafkaPingPong(
  brokers: string[],
  rounds: number,
  warmup = 50,
): Promise<number[]> {
  const run = `bench-pingpong-${process.pid}-${Date.now().toString(36)}`;
  const ping = `qossip.${run}.node.0`;
  const pong = `qossip.${run}.node.1`;
  const io = await KafkaIo.connect({ brokers, clientId: run, groupId: run });
  const rtts: number[] = [];
  try {
    await io.ensureTopics([ping, pong]);
    let sentAt = 0;
    let i = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const send = () => {
      sentAt = performance.now();
      void io.send([{ topic: ping, value: String(i) }]);
    };
    await io.consume([ping, pong], (topic, value) => {
      if (topic === ping) {
        void io.send([{ topic: pong, value }]);
        return;
      }
      if (i >= warmup) rtts.push(performance.now() - sentAt);
      if (++i === warmup + rounds) done();
      else send();
    });
    send();
    await finished;
    return rtts;
  } finally {
    await io.deleteTopics([ping, pong]);
    await io.close();
  }
}
