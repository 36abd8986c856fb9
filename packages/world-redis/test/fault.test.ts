import { newId, serveQueueHandlers } from '@worldkit/world';
import { allEvents, waitFor } from '@worldkit/world-testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type RedisWorld } from '../src/index.js';
import { KeyLayout } from '../src/keys.js';
import { PrivateRedis } from './private-redis.js';

/**
 * Restarting Redis under load. Knobs: FAULT_LOAD_MS (load before and after the crash, default
 * 1500), FAULT_WRITERS (default 4), FAULT_PRODUCERS (default 2), FAULT_DOWN_MS (default 500).
 */
const LOAD_MS = Number(process.env.FAULT_LOAD_MS ?? 1500);
const WRITERS = Number(process.env.FAULT_WRITERS ?? 4);
const PRODUCERS = Number(process.env.FAULT_PRODUCERS ?? 2);
const DOWN_MS = Number(process.env.FAULT_DOWN_MS ?? 500);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FLOW = '__wkf_workflow_workflow//./src/w//main';

describe('a Redis restart under load, with appendonly yes and appendfsync always', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start(['--appendonly', 'yes', '--appendfsync', 'always']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('loses nothing acknowledged, redelivers what was in flight, and reconnects by itself', async () => {
    const prefix = 'fault';
    const delivered = new Map<string, number>();
    let restarted = false;
    const handler = async (message: unknown, meta: { messageId: string }) => {
      delivered.set(meta.messageId, (delivered.get(meta.messageId) ?? 0) + 1);
      // Deliveries take a while, so some are in flight when the server dies; the held one is
      // still running when it comes back.
      if ((message as { hold?: boolean }).hold) await waitFor(() => (restarted ? true : undefined));
      await sleep(20);
    };
    const probe = createWorld({ url: server.url, prefix });
    const served = await serveQueueHandlers({
      flow: probe.createQueueHandler('__wkf_workflow_', handler),
      step: probe.createQueueHandler('__wkf_step_', handler),
    });
    const options = { url: server.url, prefix, logger: { warn() {} }, recoverActiveRuns: false };
    const writer: RedisWorld = createWorld(options);
    const consumerOptions = {
      ...options,
      // A second connection URL spelling keeps the consumer off the writer's shared connection.
      url: `${server.url}/0`,
      baseUrl: served.baseUrl,
      leaseMs: 1000,
      pollIntervalMs: 100,
      retryDelayMs: () => 50,
    };
    // One consumer dies with the server while it holds a delivery; the other lives through the
    // restart, reconnects by itself and redelivers what the dead one held.
    const doomedConsumer: RedisWorld = createWorld(consumerOptions);
    await doomedConsumer.start();

    const runIds = Array.from({ length: WRITERS }, () => newId('run'));
    for (const runId of runIds) {
      await writer.events.create(runId, {
        eventType: 'run_created',
        eventData: { deploymentId: 'd', workflowName: 'w', input: new Uint8Array([1]) },
      });
    }
    const acknowledgedSteps = new Map<string, string[]>(runIds.map((runId) => [runId, []]));
    const acknowledgedMessages: string[] = [];
    let writesAfterRestart = 0;
    let loading = true;

    const writers = runIds.map(async (runId, w) => {
      for (let i = 0; loading; i++) {
        const stepId = `step_${w}_${i}`;
        try {
          await writer.events.create(runId, {
            eventType: 'step_created',
            correlationId: stepId,
            eventData: { stepName: 's', input: new Uint8Array([i % 256, 0, 255]) },
          });
          acknowledgedSteps.get(runId)!.push(stepId);
          if (restarted) writesAfterRestart++;
        } catch {
          await sleep(20); // not acknowledged: the server is down
        }
      }
    });
    const producers = Array.from({ length: PRODUCERS }, async () => {
      while (loading) {
        try {
          const { messageId } = await writer.queue(FLOW, { runId: newId('run') });
          acknowledgedMessages.push(messageId!);
        } catch {
          await sleep(20);
        }
      }
    });

    const held = await writer.queue(FLOW, { runId: newId('run'), hold: true } as never);
    await waitFor(() => (delivered.has(held.messageId!) ? true : undefined));
    const consumer: RedisWorld = createWorld({ ...consumerOptions, url: `${server.url}/` });
    await consumer.start();
    await sleep(LOAD_MS);
    await server.crash();
    await doomedConsumer.close();
    await sleep(DOWN_MS);
    await server.start();
    restarted = true;
    await sleep(LOAD_MS);
    loading = false;
    await Promise.all([...writers, ...producers]);

    // The World reconnected by itself: writes were acknowledged after the restart.
    expect(writesAfterRestart).toBeGreaterThan(0);
    // Every acknowledged event is in the log, in order, with its bytes.
    for (const runId of runIds) {
      const log = await allEvents(writer, runId);
      const ids = log.map((event) => event.eventId);
      expect([...ids].sort()).toEqual(ids);
      const logged = new Set(log.map((event) => event.correlationId));
      const missing = acknowledgedSteps.get(runId)!.filter((stepId) => !logged.has(stepId));
      expect(missing).toEqual([]);
    }
    // Every acknowledged message is delivered, those in flight at the crash included.
    await waitFor(
      () => (acknowledgedMessages.every((id) => delivered.has(id)) ? true : undefined),
      { timeoutMs: 30_000, what: 'every acknowledged message to be delivered' },
    );
    expect(acknowledgedMessages.length).toBeGreaterThan(0);
    // The message in flight in the dead consumer was delivered again by the live one.
    expect(delivered.get(held.messageId!)).toBeGreaterThanOrEqual(2);
    // And every one of them is finally acknowledged: nothing stays pending or leased.
    const keys = new KeyLayout(prefix, 'run').queue;
    const probeClient = new Redis(server.url);
    await waitFor(
      async () =>
        (await probeClient.zcard(keys.pending)) + (await probeClient.zcard(keys.inflight)) === 0
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'the queue to drain' },
    );
    await probeClient.quit();

    await consumer.close();
    await writer.close();
    await probe.close();
    await served.close();
  });

  it('warns at start() when persistence is off, and not when it is on', async () => {
    const warnings: string[] = [];
    const durable = createWorld({
      url: server.url,
      prefix: 'warn',
      logger: { warn: (m) => warnings.push(m) },
      recoverActiveRuns: false,
    });
    await durable.start();
    await durable.close();
    expect(warnings).toEqual([]);

    const volatile = await PrivateRedis.start(['--appendonly', 'no']);
    try {
      const world = createWorld({
        url: volatile.url,
        prefix: 'warn',
        logger: { warn: (m) => warnings.push(m) },
        recoverActiveRuns: false,
      });
      await world.start();
      await world.close();
      expect(warnings.join('\n')).toMatch(/persistence is off/);
    } finally {
      await volatile.stop();
    }
  });
});
