// Round-trip latency of one delivery over loopback: deliverer → HTTP → createQueueHandler →
// handler → answer. Run after `pnpm build`: `node bench/delivery-latency.mjs [count] [--signed]`.
import { createDeliverer, createQueueHandler, serveQueueHandlers } from '../dist/index.js';

const count = Number(process.argv[2] ?? 5000);
const secret = process.argv.includes('--signed') ? 'bench-secret' : undefined;
const payload = {
  runId: 'wrun_01KBENCH00000000000000000',
  requestedAt: new Date(),
  runInput: {
    input: new Uint8Array(256).fill(7),
    deploymentId: 'dpl_bench',
    workflowName: 'workflow//./src/bench//run',
    specVersion: 3,
  },
};

const served = await serveQueueHandlers({
  flow: createQueueHandler('__wkf_workflow_', async () => undefined, { secret }),
});
const deliverer = createDeliverer({ baseUrl: served.baseUrl, secret });
const delivery = (i) => ({
  queueName: '__wkf_workflow_workflow//./src/bench//run',
  messageId: `msg_${i}`,
  attempt: 1,
  payload,
});

for (let i = 0; i < 500; i++) await deliverer.deliver(delivery(i)); // warm-up
const samples = [];
for (let i = 0; i < count; i++) {
  const start = process.hrtime.bigint();
  const outcome = await deliverer.deliver(delivery(i));
  samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  if (outcome.kind !== 'ack') throw new Error(`unexpected outcome ${JSON.stringify(outcome)}`);
}
samples.sort((a, b) => a - b);
const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(3);
console.log(
  `${count} sequential deliveries${secret ? ' (signed)' : ''}: median ${at(0.5)} ms, p90 ${at(0.9)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
);
deliverer.close();
await served.close();
