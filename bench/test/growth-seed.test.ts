/**
 * The seeders against the real backends: 200 finished runs (and their 1 live run) seeded into a
 * real schema, key prefix and directory, then read back through the World itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_FILTERS, seededRun, WORKFLOW_NAMES } from '../src/growth/plan.js';
import { cloneMapping } from '../src/growth/seed/templates.js';
import { sampleClones, verifySeed } from '../src/growth/seed/verify.js';
import { type GrowthStep, SeededStore } from '../src/growth/store.js';
import type { OpenedWorld } from '../src/subjects/types.js';
import { worldkitLocal, worldkitPostgres, worldkitRedis } from '../src/subjects/worlds.js';

const FINISHED = 200;
const CLONES = 202; // 200 finished runs and the live run after the first 100

describe.each([worldkitPostgres, worldkitRedis, worldkitLocal])('seeding $id', (subject) => {
  let store: SeededStore;
  let step: GrowthStep;
  let opened: OpenedWorld;

  beforeAll(async () => {
    store = await SeededStore.create(subject, 'seed_test', 1_000);
    step = await store.growTo(FINISHED, () => {});
    opened = store.openWorld();
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
    await store?.remove();
  });

  it('writes the planned runs and counts their bytes', () => {
    expect(step.runs).toBe(CLONES);
    expect(step.bytesPerRun).toBeGreaterThan(100);
  });

  it('gives every clone its planned status, workflow name and log', async () => {
    for (const n of [0, 16, 19, 99, 100, 201]) {
      const { runId } = cloneMapping(store.templates, n);
      const run = await opened.world.runs.get(runId);
      const planned = seededRun(n);
      expect(run.runId).toBe(runId);
      expect(run.workflowName).toBe(WORKFLOW_NAMES[planned.workflow]);
      expect(run.status).toBe(planned.kind === 'live' ? 'running' : planned.status);
      const events = await opened.world.events.list({ runId } as any);
      expect(events.data.map((event: any) => event.eventType)).toHaveLength(
        planned.kind === 'live' ? 6 : 10,
      );
      expect(events.data.every((event: any) => event.runId === runId)).toBe(true);
    }
  });

  it('finds the live hook of a clone by its token, and no hook of a finished one', async () => {
    const live = cloneMapping(store.templates, 100);
    const hook = await opened.world.hooks.getByToken(live.token!);
    expect(hook.runId).toBe(live.runId);
    const hooks = await opened.world.hooks.list({ runId: cloneMapping(store.templates, 0).runId });
    expect(hooks.data).toEqual([]);
  });

  it('lists clones by status and workflow name, newest first', async () => {
    const cancelled = await opened.world.runs.list({ status: LIST_FILTERS.status });
    // 10 cancelled clones (1 in 20 of 200) and one cancelled template per workflow name.
    expect(cancelled.data).toHaveLength(20);
    expect(cancelled.data.every((run) => run.status === 'cancelled')).toBe(true);
    const named = await opened.world.runs.list({ workflowName: LIST_FILTERS.workflowName });
    expect(named.data.every((run) => run.workflowName === LIST_FILTERS.workflowName)).toBe(true);
    expect(named.data).toHaveLength(20 + 4);
  });

  it('reads every clone exactly as its template, moved to its ids and times', async () => {
    const all = Array.from({ length: CLONES }, (_, n) => n);
    await verifySeed(opened.world, store.templates, CLONES, all);
  });

  it('grows the same store further', async () => {
    const next = await store.growTo(FINISHED * 2, () => {});
    expect(next.runs).toBe(2 * CLONES - CLONES);
    await verifySeed(opened.world, store.templates, 2 * CLONES, sampleClones(2 * CLONES, 40));
  });

  it('notices a clone that does not read as its template', async () => {
    const live = cloneMapping(store.templates, 100);
    await opened.world.events.create(live.runId, {
      eventType: 'step_created',
      correlationId: `step_${live.runId.slice(5)}`,
      specVersion: opened.specVersion,
      eventData: { stepName: 'extra', input: new Uint8Array(1) },
    } as any);
    await expect(verifySeed(opened.world, store.templates, CLONES, [100])).rejects.toThrow(
      /reads wrong at \.events/,
    );
  });
});
