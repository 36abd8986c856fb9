// The cost of `fsync` durability: sequential step_created events per second in each mode.
//   node bench/durability-cost.mjs   (BENCH_EVENTS, BENCH_DIR as in compare-upstream.mjs)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createWorld } from '../dist/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const parent = process.env.BENCH_DIR ?? os.tmpdir();
const input = new Uint8Array(256).fill(7);

for (const durability of ['process', 'fsync']) {
  const dataDir = fs.mkdtempSync(path.join(parent, `bench-${durability}-`));
  const world = createWorld({ dataDir, durability });
  try {
    const { run } = await world.events.create(null, {
      eventType: 'run_created',
      specVersion: 3,
      eventData: { deploymentId: 'd', workflowName: 'w', input },
    });
    // Warm up: the first writes of a fresh directory create its index bucket files.
    for (let i = 0; i < 500; i++) {
      await world.events.create(run.runId, {
        eventType: 'step_created',
        correlationId: `step_warm_${i}`,
        specVersion: 3,
        eventData: { stepName: 's', input },
      });
    }
    const started = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      await world.events.create(run.runId, {
        eventType: 'step_created',
        correlationId: `step_${i}`,
        specVersion: 3,
        eventData: { stepName: 's', input },
      });
    }
    const ms = (performance.now() - started) / EVENTS;
    console.log(`${durability}: ${(1000 / ms).toFixed(0)} events/s, ${ms.toFixed(3)} ms per write`);
  } finally {
    await world.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
