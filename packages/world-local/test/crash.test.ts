import fs from 'node:fs';
import path from 'node:path';
import { allEvents } from '@worldkit/world-testing';
import { describe, expect, it } from 'vitest';
import { parseRecords } from '../src/fs/record-log.js';
import { createWorld, listQueuedMessages } from '../src/index.js';
import { useChildren } from './helpers/child.js';
import { runCreated, useTempWorlds } from './helpers/temp-world.js';

/** How many times a writer is killed; CRASH_TEST_KILLS scales it (e.g. 500 for a soak). */
const KILLS = Number(process.env.CRASH_TEST_KILLS ?? 50);

const temp = useTempWorlds();
const startChild = useChildren();

describe('crash safety', () => {
  it(`keeps every acknowledged write and stays writable across ${KILLS} kill -9s mid-write`, async () => {
    const dataDir = temp.dir();
    const setup = createWorld({ dataDir });
    const runId = (await setup.events.create(null, runCreated())).run!.runId;
    await setup.events.create(runId, { eventType: 'run_started', specVersion: 3 });
    await setup.close();

    const acked = new Set<string>();
    const queued = new Set<string>();
    /** Acknowledged chunks per stream, in write order. */
    const chunks = new Map<string, string[]>();
    let tornTails = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const child = startChild('writer', { dataDir, runId, prefix: `k${kill}` });
      await child.waitFor(/^ready$/);
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 200));
      await child.kill();
      for (const line of child.lines) {
        const [kind, value] = line.split(' ');
        if (kind === 'ack') acked.add(value!);
        if (kind === 'queued') queued.add(value!);
        if (kind === 'chunk') {
          const [, lane, id] = line.split(' ');
          const stream = `strm_${lane}`;
          chunks.set(stream, [...(chunks.get(stream) ?? []), id!]);
        }
      }

      const log = fs.readFileSync(path.join(dataDir, 'runs', `${runId}.log`));
      if (parseRecords(log).trailingBytes > 0) tornTails++;

      // A fresh World reads the store as any restarted process would.
      const world = createWorld({ dataDir });
      try {
        const events = await allEvents(world, runId);
        const ids = events.map((event) => event.eventId);
        for (const id of acked) expect(ids).toContain(id);
        for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);

        const created = new Set<string>();
        // By token: the newest hook with a token decides whether it is held.
        const hooks = new Map<string, { hookId: string; disposed: boolean }>();
        const tokenOf = new Map<string, string>();
        for (const event of events) {
          if (event.eventType.endsWith('_created') && event.correlationId !== undefined) {
            const key = `${event.eventType}:${event.correlationId}`;
            expect(created.has(key)).toBe(false);
            created.add(key);
          }
          if (event.eventType === 'hook_created') {
            tokenOf.set(event.correlationId, event.eventData.token);
            hooks.set(event.eventData.token, { hookId: event.correlationId, disposed: false });
          }
          if (event.eventType === 'hook_disposed') {
            hooks.get(tokenOf.get(event.correlationId)!)!.disposed = true;
          }
        }
        const steps = await world.steps.list({ runId, pagination: { limit: 1000 } });
        expect(steps.data.length).toBe(
          events.filter((event) => event.eventType === 'step_created').length,
        );
        for (const [token, hook] of hooks) {
          if (hook.disposed) {
            await expect(world.hooks.getByToken(token)).rejects.toMatchObject({
              name: 'HookNotFoundError',
            });
          } else {
            expect((await world.hooks.getByToken(token)).hookId).toBe(hook.hookId);
          }
        }
        const keys = new Set(listQueuedMessages({ dataDir }).map((m) => m.idempotencyKey));
        for (const id of queued) expect(keys.has(id)).toBe(true);

        // Streams: every acknowledged chunk is there, in write order, once; a chunk written
        // after the kill lands right behind the others.
        for (const [stream, written] of chunks) {
          const page = await world.getStreamChunks(stream, runId, { limit: 1000 });
          const stored = page.data.map((chunk) => new TextDecoder().decode(chunk.data));
          let next = 0;
          for (const chunk of stored) if (chunk === written[next]) next++;
          expect(next).toBe(written.length);
          expect(new Set(stored).size).toBe(stored.length);
          await world.writeToStream(stream, runId, `check${kill}`);
          expect(await world.getStreamInfo(stream, runId)).toEqual({
            tailIndex: stored.length,
            done: false,
          });
        }

        // The store accepts writes: a dead writer's lock is broken, a torn tail truncated, and
        // a token whose release the kill interrupted can be claimed again.
        const fresh = await world.events.create(runId, {
          eventType: 'step_created',
          correlationId: `step_check_${kill}`,
          specVersion: 3,
          eventData: { stepName: 's', input: new Uint8Array([kill % 256]) },
        });
        acked.add(fresh.event!.eventId);
        const lastDisposed = [...hooks].reverse().find(([, hook]) => hook.disposed);
        if (lastDisposed !== undefined) {
          const reclaimed = await world.events.create(runId, {
            eventType: 'hook_created',
            correlationId: `hook_check_${kill}`,
            specVersion: 3,
            eventData: { token: lastDisposed[0] },
          });
          expect(reclaimed.event!.eventType).toBe('hook_created');
          acked.add(reclaimed.event!.eventId);
        }
      } finally {
        await world.close();
      }
    }
    console.info(
      `crash test: ${KILLS} kills, ${acked.size} acknowledged events kept, ${queued.size} queued messages kept, ${[...chunks.values()].flat().length} stream chunks kept, ${tornTails} torn run-log tails recovered`,
    );
    expect(acked.size).toBeGreaterThan(KILLS);
  }, 600_000);
});
