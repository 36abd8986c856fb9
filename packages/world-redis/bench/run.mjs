// Benchmark of @worldkit/world-redis (not a test): events.create per second with 1 and 16
// writers against redis-benchmark running an equivalent Lua append on the same server at the same
// concurrency, and enqueue-to-handler latency. Run `pnpm bench` (builds first).
//
// Env: WORKFLOW_REDIS_URL (default redis://127.0.0.1:6379), BENCH_SECONDS (per measurement,
// default 2), BENCH_ROUNDS (default 3), BENCH_LATENCY_MESSAGES (default 500), BENCH_JSON=1 for
// machine-readable output.
//
// Each rate is the median of BENCH_ROUNDS rounds; within a round the World and redis-benchmark
// run back to back, so both see the same load on a shared machine. The World is warmed up first
// (redis-benchmark has no JIT to warm).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { newId, serveQueueHandlers } from '@worldkit/world';
import { Redis } from 'ioredis';
import { createWorld } from '../dist/index.js';

const run = promisify(execFile);
const url = new URL(process.env.WORKFLOW_REDIS_URL ?? 'redis://127.0.0.1:6379');
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const latencyMessages = Number(process.env.BENCH_LATENCY_MESSAGES ?? 500);
const prefix = `wkbench-${randomBytes(4).toString('hex')}`;
const input = new Uint8Array(randomBytes(64));

async function deleteKeys(client, pattern) {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

/** events.create/s: each writer drives its own run through step_created, _started, _completed. */
async function worldRate(world, writers, duration = seconds) {
  const runIds = [];
  for (let w = 0; w < writers; w++) {
    const runId = newId('run');
    await world.events.create(runId, {
      eventType: 'run_created',
      eventData: { deploymentId: 'bench', workflowName: 'bench', input },
    });
    await world.events.create(runId, { eventType: 'run_started' });
    runIds.push(runId);
  }
  let count = 0;
  const deadline = performance.now() + duration * 1000;
  const started = performance.now();
  await Promise.all(
    runIds.map(async (runId) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const correlationId = `step_${i}`;
        await world.events.create(runId, {
          eventType: 'step_created',
          correlationId,
          eventData: { stepName: 'step//bench', input },
        });
        await world.events.create(runId, { eventType: 'step_started', correlationId });
        await world.events.create(runId, {
          eventType: 'step_completed',
          correlationId,
          eventData: { result: input },
        });
        count += 3;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** redis-benchmark running the equivalent append script at the same concurrency. */
async function baselineRate(client, clients) {
  const sha = await client.script(
    'LOAD',
    readFileSync(new URL('./equivalent-append.lua', import.meta.url), 'utf8'),
  );
  const record = 'r'.repeat(90);
  const payload = 'p'.repeat(70);
  // About `seconds` of work at the rate a first probe shows.
  const requests = Math.max(
    5_000,
    Math.round(seconds * (await probeRate(sha, clients, record, payload))),
  );
  return redisBenchmark(benchmarkArgs(clients, requests), sha, record, payload);
}

/**
 * The same equivalent script sent from Node through ioredis (auto-pipelined) by N sequential
 * callers: the floor any ioredis-based World shares, so the report shows how much of the gap to
 * redis-benchmark is the client platform and how much is the World.
 */
async function ioredisRate(writers) {
  const client = new Redis(url.href, { enableAutoPipelining: true });
  client.defineCommand('equivalentAppend', {
    numberOfKeys: 1,
    lua: readFileSync(new URL('./equivalent-append.lua', import.meta.url), 'utf8'),
  });
  const record = Buffer.from('r'.repeat(90));
  const payload = Buffer.from('p'.repeat(70));
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (performance.now() < deadline) {
        await client.equivalentAppendBuffer(`${prefix}:ioredis:{${w}}`, record, payload);
        count++;
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  await client.quit();
  return rate;
}

/** redis-benchmark flags: `clients` connections, `requests` in all, keys over a range of 1000. */
function benchmarkArgs(clients, requests) {
  return [
    '-h',
    url.hostname,
    '-p',
    url.port || '6379',
    '-c',
    String(clients),
    '-n',
    String(requests),
    '-r',
    '1000',
    '-q',
  ];
}

const probed = new Map();
async function probeRate(sha, clients, record, payload) {
  if (!probed.has(clients)) {
    probed.set(clients, await redisBenchmark(benchmarkArgs(clients, 5000), sha, record, payload));
  }
  return probed.get(clients);
}

async function redisBenchmark(args, sha, record, payload) {
  const command = ['EVALSHA', sha, '1', `${prefix}:baseline:{__rand_int__}`, record, payload];
  const { stdout } = await run('redis-benchmark', [...args, ...command]);
  const match = /([0-9.]+) requests per second/.exec(stdout.replace(/\r/g, '\n'));
  if (match === null) throw new Error(`could not read redis-benchmark output: ${stdout}`);
  return Number(match[1]);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Enqueue-to-handler latency: one message at a time, timed from queue() to the handler. */
async function latency() {
  const arrivals = new Map();
  let waiting;
  const handler = async (message) => {
    arrivals.set(message.runId, performance.now());
    waiting?.();
  };
  const probe = createWorld({ url: url.href, prefix });
  const served = await serveQueueHandlers({
    flow: probe.createQueueHandler('__wkf_workflow_', handler),
    step: probe.createQueueHandler('__wkf_step_', handler),
  });
  const world = createWorld({
    url: url.href,
    prefix,
    baseUrl: served.baseUrl,
    recoverActiveRuns: false,
    logger: { warn() {} },
  });
  await world.start();
  const samples = [];
  for (let i = 0; i < latencyMessages + 20; i++) {
    const runId = newId('run');
    const arrived = new Promise((resolve) => {
      waiting = resolve;
    });
    const sent = performance.now();
    await world.queue('__wkf_workflow_bench', { runId });
    while (!arrivals.has(runId)) await arrived;
    if (i >= 20) samples.push(arrivals.get(runId) - sent);
  }
  await world.close();
  await probe.close();
  await served.close();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { median: at(0.5), p99: at(0.99) };
}

const client = new Redis(url.href);
const world = createWorld({ url: url.href, prefix });
try {
  const results = {};
  await worldRate(world, 16, 2); // warm-up
  for (const writers of [1, 16]) {
    const worldRates = [];
    const baselineRates = [];
    const ioredisRates = [];
    for (let round = 0; round < rounds; round++) {
      worldRates.push(await worldRate(world, writers));
      baselineRates.push(await baselineRate(client, writers));
      ioredisRates.push(await ioredisRate(writers));
    }
    const worldPerSecond = median(worldRates);
    const baselinePerSecond = median(baselineRates);
    const ioredisPerSecond = median(ioredisRates);
    results[`writers_${writers}`] = {
      worldPerSecond: Math.round(worldPerSecond),
      baselinePerSecond: Math.round(baselinePerSecond),
      ioredisEquivalentPerSecond: Math.round(ioredisPerSecond),
      ratio: Number((worldPerSecond / baselinePerSecond).toFixed(2)),
      ratioToIoredisEquivalent: Number((worldPerSecond / ioredisPerSecond).toFixed(2)),
    };
  }
  const lat = await latency();
  results.enqueueToHandlerMs = {
    median: Number(lat.median.toFixed(2)),
    p99: Number(lat.p99.toFixed(2)),
  };
  if (process.env.BENCH_JSON === '1') {
    console.log(JSON.stringify(results));
  } else {
    console.log('events.create (step_created/started/completed cycles), same server, same run');
    console.log(
      'writers | world-redis ops/s | redis-benchmark equivalent ops/s | ratio (goal >= 0.5) | same script via ioredis ops/s | world / ioredis',
    );
    for (const writers of [1, 16]) {
      const r = results[`writers_${writers}`];
      console.log(
        `${String(writers).padStart(7)} | ${String(r.worldPerSecond).padStart(17)} | ${String(r.baselinePerSecond).padStart(32)} | ${String(r.ratio).padStart(18)} | ${String(r.ioredisEquivalentPerSecond).padStart(28)} | ${r.ratioToIoredisEquivalent}`,
      );
    }
    console.log(
      `enqueue-to-handler: median ${results.enqueueToHandlerMs.median} ms, p99 ${results.enqueueToHandlerMs.p99} ms (goal: median < 5 ms)`,
    );
  }
} finally {
  await world.close();
  await deleteKeys(client, `${prefix}:*`);
  await client.quit();
}
