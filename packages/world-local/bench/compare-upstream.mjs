// Benchmark: @worldkit/world-local against @workflow/world-local 4.4.1, in one run, on one disk.
//
//   pnpm --filter @worldkit/world-local build && pnpm --filter @worldkit/world-local bench
//
// Env: BENCH_EVENTS (events per writer, default 2000), BENCH_RUNS (runs stored for the hook
// latency rows, default 10000), BENCH_HOOK_SAMPLES (default 50), BENCH_DIR (parent folder of the
// temporary data directories, default the OS temp folder), BENCH_DURABILITY (process | fsync),
// BENCH_JSON=1 prints the results as JSON too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalWorld } from '@workflow/world-local';
import { createWorld } from '../dist/index.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const STORED_RUNS = Number(process.env.BENCH_RUNS ?? 10_000);
const HOOK_SAMPLES = Number(process.env.BENCH_HOOK_SAMPLES ?? 50);
const WRITERS = 16;
const parent = process.env.BENCH_DIR ?? os.tmpdir();

const contenders = {
  worldkit: (dataDir) =>
    createWorld({ dataDir, durability: process.env.BENCH_DURABILITY ?? 'process' }),
  upstream: (dataDir) => createLocalWorld({ dataDir }),
};

const input = new Uint8Array(256).fill(7);
const runCreated = () => ({
  eventType: 'run_created',
  specVersion: 3,
  eventData: { deploymentId: 'dpl_bench', workflowName: 'workflow//bench//main', input },
});
let sequence = 0;
const stepCreated = () => ({
  eventType: 'step_created',
  correlationId: `step_${(sequence++).toString(36).padStart(10, '0')}`,
  specVersion: 3,
  eventData: { stepName: 'step//bench//s', input },
});

async function withWorld(name, body) {
  const dataDir = fs.mkdtempSync(path.join(parent, `bench-${name}-`));
  const world = contenders[name](dataDir);
  try {
    return await body(world);
  } finally {
    await world.close?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function newRun(world) {
  const { run } = await world.events.create(null, runCreated());
  await world.events.create(run.runId, { eventType: 'run_started', specVersion: 3 });
  return run.runId;
}

/** events.create per second: `writers` concurrent writers, each on its own run. */
async function throughput(world, writers) {
  const runIds = [];
  for (let i = 0; i < writers; i++) runIds.push(await newRun(world));
  const perWriter = Math.max(1, Math.floor(EVENTS / (writers === 1 ? 1 : 4)));
  const started = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (let i = 0; i < perWriter; i++) await world.events.create(runId, stepCreated());
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return (perWriter * writers) / seconds;
}

/** Median latency (ms) of hook creation and of getByToken with `stored` runs already stored. */
async function hookLatency(world, stored) {
  for (let i = 0; i < stored; i++) await world.events.create(null, runCreated());
  const runId = await newRun(world);
  const create = [];
  const lookup = [];
  for (let i = 0; i < HOOK_SAMPLES; i++) {
    const token = `bench-token-${stored}-${i}`;
    let t = performance.now();
    await world.events.create(runId, {
      eventType: 'hook_created',
      correlationId: `hook_${(sequence++).toString(36).padStart(10, '0')}`,
      specVersion: 3,
      eventData: { token, isWebhook: false },
    });
    create.push(performance.now() - t);
    t = performance.now();
    await world.hooks.getByToken(token);
    lookup.push(performance.now() - t);
  }
  return { create: median(create), getByToken: median(lookup) };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const rows = [];
const record = (metric, unit, better, values) => rows.push({ metric, unit, better, ...values });

for (const [label, writers] of [
  ['events.create/s, 1 writer', 1],
  [`events.create/s, ${WRITERS} writers (distinct runs)`, WRITERS],
]) {
  const values = {};
  for (const name of Object.keys(contenders)) {
    values[name] = await withWorld(name, (world) => throughput(world, writers));
  }
  record(label, 'events/s', 'higher', values);
}

for (const stored of [0, STORED_RUNS]) {
  const values = { create: {}, getByToken: {} };
  for (const name of Object.keys(contenders)) {
    const latency = await withWorld(name, (world) => hookLatency(world, stored));
    values.create[name] = latency.create;
    values.getByToken[name] = latency.getByToken;
  }
  record(`hook creation, ${stored} runs stored`, 'ms (median)', 'lower', values.create);
  record(`getByToken, ${stored} runs stored`, 'ms (median)', 'lower', values.getByToken);
}

const format = (value) => (value >= 100 ? value.toFixed(0) : value.toPrecision(3));
console.log(
  `\n@worldkit/world-local vs @workflow/world-local 4.4.1 (node ${process.version}, ${os.cpus().length} cpus, data in ${parent})\n`,
);
console.log('| metric | unit | worldkit | upstream 4.4.1 | ratio |');
console.log('|---|---|---|---|---|');
for (const row of rows) {
  const ratio = row.better === 'higher' ? row.worldkit / row.upstream : row.upstream / row.worldkit;
  console.log(
    `| ${row.metric} | ${row.unit} | ${format(row.worldkit)} | ${format(row.upstream)} | ${ratio.toFixed(1)}x |`,
  );
}
if (process.env.BENCH_JSON === '1') console.log(JSON.stringify(rows, null, 2));
