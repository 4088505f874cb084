// Follows the connector's topics and prints one line per change event, so a reader of the
// README can watch an UPDATE arrive. Used by `npm start` until the invalidator service runs.
import { Kafka, logLevel } from 'kafkajs';

const broker = `127.0.0.1:${process.env.INVALIDATOR_KAFKA_PORT ?? '59092'}`;
const kafka = new Kafka({ clientId: 'watch-changes', brokers: [broker], logLevel: logLevel.ERROR });
const consumer = kafka.consumer({ groupId: `watch-changes-${process.pid}-${Date.now()}` });

function describe(value) {
  if (value === null) return 'tombstone';
  const event = JSON.parse(value);
  if (event.op === undefined) return value;
  const changed = [];
  if (event.before && event.after) {
    for (const [column, after] of Object.entries(event.after)) {
      const before = event.before[column];
      if (JSON.stringify(before) !== JSON.stringify(after))
        changed.push(`${column}: ${before} -> ${after}`);
    }
  }
  const row = event.after ?? event.before;
  return `op=${event.op}${row?.id === undefined ? '' : ` id=${row.id}`} ${changed.join(', ')}`.trim();
}

await consumer.connect();
await consumer.subscribe({ topics: [/^catalog\.public\./], fromBeginning: false });
await consumer.run({
  eachMessage: async ({ topic, partition, message }) => {
    const value = message.value === null ? null : message.value.toString('utf8');
    process.stdout.write(`${topic} [${partition}@${message.offset}] ${describe(value)}\n`);
  },
});
process.stdout.write(`following catalog.public.* on ${broker}; Ctrl-C to stop\n`);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    void consumer.disconnect().finally(() => process.exit(0));
  });
}
