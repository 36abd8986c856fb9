import {
  type AnyEventRequest,
  type QueueHandler,
  type ServedQueueHandlers,
  serveQueueHandlers,
} from '@worldkit/world';
import { allEvents, waitFor } from '@worldkit/world-testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type PostgresWorld } from '../src/index.js';
import { PrivateCluster } from './private-cluster.js';

/**
 * PostgreSQL crashes (pg_ctl stop -m immediate: no checkpoint, recovery from the WAL) and comes
 * back while writers append events, producers enqueue and a consumer delivers. Afterwards every
 * acknowledged event and message is there, every message is delivered to completion (those in
 * flight during the crash included), and the same World instances kept working throughout.
 *
 * Scale with WORLDKIT_FAULT_RESTARTS (default 2), WORLDKIT_FAULT_WRITERS (default 4) and
 * WORLDKIT_FAULT_PHASE_MS (load between restarts, default 1500).
 */

const RESTARTS = Number(process.env.WORLDKIT_FAULT_RESTARTS ?? 2);
const WRITERS = Number(process.env.WORLDKIT_FAULT_WRITERS ?? 4);
const PHASE_MS = Number(process.env.WORLDKIT_FAULT_PHASE_MS ?? 1500);
const QUEUE = '__wkf_workflow_fault';

let cluster: PrivateCluster;
let app: ServedQueueHandlers;
let world: PostgresWorld;

/** What the app saw: message key → number of completed handler calls. */
const handled = new Map<string, number>();
/** Deliveries whose handler was running when the server went down. */
const inFlightAtCrash = new Set<string>();
const running = new Set<string>();

const handler: QueueHandler = async (message) => {
  const key = (message as { key: string }).key;
  running.add(key);
  try {
    // Slow enough that some deliveries are always in flight when the server goes down.
    await new Promise((resolve) => setTimeout(resolve, 20));
    handled.set(key, (handled.get(key) ?? 0) + 1);
  } finally {
    running.delete(key);
  }
};

beforeAll(async () => {
  cluster = await PrivateCluster.create();
  const routes = createWorld({ connectionString: cluster.url, schema: 'fault' });
  app = await serveQueueHandlers({ flow: routes.createQueueHandler('__wkf_workflow_', handler) });
  world = createWorld({
    connectionString: cluster.url,
    schema: 'fault',
    baseUrl: app.baseUrl,
    leaseMs: 2_000,
    pollIntervalMs: 100,
    retryDelayMs: 50,
    queueConcurrency: 8,
    recoverActiveRuns: false,
  });
  await world.start();
}, 120_000);

afterAll(async () => {
  await world?.close();
  await app?.close();
  await cluster?.destroy();
});

describe('PostgreSQL restarts under load', () => {
  it('loses nothing acknowledged and redelivers what was in flight', async () => {
    const acknowledgedEvents = new Map<string, string[]>(); // runId → event ids
    const acknowledgedMessages = new Set<string>();
    const failures = { events: 0, messages: 0 };
    let stop = false;
    let phase = 0;
    const progress = { events: [] as number[], messages: [] as number[] };
    const count = (list: number[]) => {
      list[phase] = (list[phase] ?? 0) + 1;
    };

    const writer = async (w: number) => {
      let runNumber = 0;
      while (!stop) {
        const runId = `wrun_fault_${w}_${runNumber++}`;
        const ids: string[] = [];
        acknowledgedEvents.set(runId, ids);
        const append = async (data: AnyEventRequest) => {
          // A write that failed with the server down is retried: the World must reconnect.
          for (;;) {
            try {
              const result = await world.events.create(runId, data as never);
              ids.push(result.event!.eventId);
              count(progress.events);
              return;
            } catch (error) {
              const name = (error as { name?: string }).name;
              // A retried write whose first try committed anyway is refused as a duplicate.
              if (name === 'EntityConflictError') return;
              failures.events++;
              if (stop) return;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
        };
        await append({
          eventType: 'run_created',
          eventData: { deploymentId: 'fault', workflowName: 'fault', input: new Uint8Array([w]) },
        });
        for (let step = 0; step < 5 && !stop; step++) {
          const correlationId = `step_${step}`;
          await append({
            eventType: 'step_created',
            correlationId,
            eventData: { stepName: 'fault', input: new Uint8Array([step]) },
          });
          await append({ eventType: 'step_started', correlationId });
          await append({
            eventType: 'step_completed',
            correlationId,
            eventData: { result: new Uint8Array([step, w]) },
          });
        }
      }
    };

    const producer = async (p: number) => {
      let n = 0;
      while (!stop) {
        const key = `m_${p}_${n++}`;
        try {
          await world.queue(QUEUE, { runId: `wrun_fault_q_${key}`, key } as never, {
            idempotencyKey: key,
          });
          acknowledgedMessages.add(key);
          count(progress.messages);
        } catch {
          failures.messages++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };

    const load = Promise.all([
      ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
      producer(0),
      producer(1),
    ]);
    await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
    for (let restart = 0; restart < RESTARTS; restart++) {
      await waitFor(() => running.size > 0, { what: 'a delivery in flight' });
      for (const key of running) inFlightAtCrash.add(key);
      await cluster.restart('immediate');
      phase++;
      await new Promise((resolve) => setTimeout(resolve, PHASE_MS));
    }
    stop = true;
    await load;

    // The same World instances made progress after every restart.
    for (let p = 0; p <= RESTARTS; p++) {
      expect(progress.events[p] ?? 0, `events acknowledged in phase ${p}`).toBeGreaterThan(0);
      expect(progress.messages[p] ?? 0, `messages acknowledged in phase ${p}`).toBeGreaterThan(0);
    }
    expect(
      failures.events + failures.messages,
      'writes refused while the server was down',
    ).toBeGreaterThan(0);

    // Every acknowledged event is in its run's log, in order.
    for (const [runId, ids] of acknowledgedEvents) {
      if (ids.length === 0) continue;
      const stored = (await allEvents(world, runId)).map((event) => event.eventId);
      expect(
        stored.filter((id) => ids.includes(id)),
        `events of ${runId}`,
      ).toEqual(ids);
    }

    // Every acknowledged message is delivered to completion, in-flight ones included.
    expect(inFlightAtCrash.size).toBeGreaterThan(0);
    await waitFor(() => [...acknowledgedMessages].every((key) => (handled.get(key) ?? 0) > 0), {
      timeoutMs: 60_000,
      what: 'every acknowledged message to be handled',
    });
    for (const key of inFlightAtCrash) expect(handled.get(key), key).toBeGreaterThan(0);
    const live = await waitFor(
      async () => {
        const { rows } = await queryCluster('SELECT count(*)::int AS n FROM fault.messages');
        return rows[0].n === 0 ? 0 : undefined;
      },
      { timeoutMs: 30_000, what: 'the queue to drain' },
    );
    expect(live).toBe(0);
    const redelivered = [...handled.values()].filter((times) => times > 1).length;
    console.log(
      `fault: ${RESTARTS} crash restarts, ${[...acknowledgedEvents.values()].flat().length} events and ${acknowledgedMessages.size} messages acknowledged, ${inFlightAtCrash.size} deliveries in flight at a crash, ${redelivered} messages handled more than once, ${failures.events + failures.messages} writes retried`,
    );
  }, 180_000);
});

describe('PostgreSQL down when the app boots', () => {
  it('start() retries, then fails with what to do, and succeeds once the server is back', async () => {
    await cluster.stop('fast');
    const booting = createWorld({
      connectionString: cluster.url,
      schema: 'boot',
      baseUrl: app.baseUrl,
      recoverActiveRuns: false,
      startTimeoutMs: 300,
    });
    try {
      const error = await booting.start().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ name: 'WorkflowWorldError', code: 'TRANSPORT' });
      expect((error as Error).message).toMatch(/WORKFLOW_POSTGRES_URL/);
      await cluster.start();
      await booting.start();
      const { messageId } = await booting.queue(QUEUE, {
        runId: 'wrun_boot',
        key: 'boot',
      } as never);
      await waitFor(() => (handled.get('boot') ?? 0) > 0, { what: 'a delivery after the boot' });
      expect(messageId).toMatch(/^msg_/);
    } finally {
      await booting.close();
    }
  }, 60_000);
});

describe('PostgreSQL out of connection slots', () => {
  it('waits for a free slot instead of failing', async () => {
    const fillers: pg.Client[] = [];
    try {
      // Take every connection slot the server has.
      for (;;) {
        const client = new pg.Client({ connectionString: cluster.url });
        client.on('error', () => {});
        try {
          await client.connect();
        } catch {
          break;
        }
        fillers.push(client);
      }
      const patient = createWorld({
        connectionString: cluster.url,
        schema: 'busy',
        maxPoolSize: 3,
      });
      try {
        const lookup = patient.runs.get('wrun_busy').catch((error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 300));
        await fillers.pop()!.end();
        expect(await lookup).toMatchObject({ name: 'WorkflowRunNotFoundError' });
      } finally {
        await patient.close();
      }
    } finally {
      await Promise.all(fillers.map((client) => client.end()));
    }
  }, 60_000);
});

async function queryCluster(text: string) {
  const client = new pg.Client({ connectionString: cluster.url });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}
