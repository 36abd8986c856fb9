import type { ResolveData, World } from '@worldkit/world';
import { expect } from 'vitest';
import type { ConformanceCase } from '../context.js';
import { append, createRun, ev, payload } from '../fixtures.js';
import {
  newHookId,
  newRunId,
  newStepId,
  newToken,
  newWaitId,
  streamName,
  uid,
  workflowName,
} from '../names.js';

/**
 * Every call the Workflow SDK's own tools make to a World, with the parameters exactly as they
 * send them: the CLI (`@workflow/cli` 4.3.13: `workflow inspect`, `cancel`, `start`, `health`),
 * the web UI (`@workflow/web` 4.1.25, `workflow web`) and the run-management helpers of
 * `@workflow/core` 4.8.9 they share. The CLI asks for a first page with `cursor: ''` (its
 * `--cursor` flag defaults to an empty string), the web UI with `cursor: undefined`; both page on
 * with the cursor a World returned. A case per shape, so no World can refuse one again.
 */

/** What the tools look at: runs of one workflow in every state, and one of another workflow. */
interface Fleet {
  workflowName: string;
  /** Completed: two completed steps, a completed wait, a disposed hook, a closed stream. */
  done: string;
  /** How many events the completed run's log holds. */
  doneEvents: number;
  /** Running: a step in flight, an active hook, a pending wait. */
  waiting: string;
  /** Created, never started. */
  pending: string;
  /** The same workflow's runs, oldest first. */
  runIds: string[];
  /** A run of another workflow, which workflow-name filters must leave out. */
  other: string;
  steps: string[];
  hook: { hookId: string; token: string };
  pendingWait: string;
  stream: string;
}

async function seedFleet(world: World): Promise<Fleet> {
  const name = workflowName();
  const runIds = [newRunId(), newRunId(), newRunId()].sort();
  const [done, waiting, pending] = runIds as [string, string, string];

  await createRun(world, { runId: done, workflowName: name });
  const steps = [newStepId(), newStepId()].sort();
  const doneWait = newWaitId();
  const doneHook = { hookId: newHookId(), token: newToken() };
  const doneLog = [
    ...steps.flatMap((stepId) => [
      ev.stepCreated(stepId),
      ev.stepStarted(stepId),
      ev.stepCompleted(stepId),
    ]),
    ev.waitCreated(doneWait, new Date(Date.now() + 1)),
    ev.waitCompleted(doneWait),
    ev.hookCreated(doneHook.hookId, doneHook.token),
    ev.hookDisposed(doneHook.hookId, doneHook.token),
  ];
  for (const event of doneLog) await append(world, done, event);
  const stream = streamName();
  await world.writeToStream(stream, done, 'first chunk');
  await world.writeToStream(stream, done, 'second chunk');
  await world.closeStream(stream, done);
  await append(world, done, ev.runCompleted());
  // run_created and run_started, the log above, run_completed.
  const doneEvents = 2 + doneLog.length + 1;

  await createRun(world, { runId: waiting, workflowName: name });
  const runningStep = newStepId();
  await append(world, waiting, ev.stepCreated(runningStep));
  await append(world, waiting, ev.stepStarted(runningStep));
  const hook = { hookId: newHookId(), token: newToken() };
  await append(world, waiting, ev.hookCreated(hook.hookId, hook.token));
  const pendingWait = newWaitId();
  await append(world, waiting, ev.waitCreated(pendingWait, new Date(Date.now() + 3_600_000)));

  await createRun(world, { runId: pending, workflowName: name, started: false });
  const other = await createRun(world);
  return {
    workflowName: name,
    done,
    doneEvents,
    waiting,
    pending,
    runIds,
    other,
    steps,
    hook,
    pendingWait,
    stream,
  };
}

interface ClientCall {
  /** The tool, and what its user does. */
  client: string;
  run(world: World, fleet: Fleet): Promise<void>;
}

/** The ids of a page of runs, steps, hooks or events. */
const ids = <T>(data: T[], key: keyof T) => data.map((item) => item[key] as string);

/** The fleet's runs in a desc page of all runs: first, newest first, nothing in between. */
function expectNewestFirst(page: { data: { runId: string }[] }, fleet: Fleet) {
  const listed = ids(page.data, 'runId');
  const newest = [fleet.other, ...[...fleet.runIds].reverse()];
  expect(listed.slice(0, newest.length), 'the newest runs first').toEqual(newest);
}

function expectNoPayloads(data: object[], fields: string[]) {
  for (const item of data) {
    for (const field of fields) {
      expect((item as Record<string, unknown>)[field], `resolveData 'none' keeps ${field}`).toBe(
        undefined,
      );
    }
  }
}

interface PageAsked {
  sortOrder?: 'asc' | 'desc';
  cursor?: string;
  limit?: number;
}

/**
 * What the CLI's `inspect` commands send besides their filters: a page, by default the first
 * (`--cursor` defaults to '') of 20, newest first, without payloads unless `--withData`.
 */
function cliQuery<T extends object>(
  filters: T,
  page: PageAsked = {},
  resolveData: ResolveData = 'none',
) {
  const pagination = { sortOrder: 'desc' as const, cursor: '', limit: 20, ...page };
  return { ...filters, pagination, resolveData };
}

/** What the web UI sends besides its filters: a page (from `cursor: undefined` at first). */
function webQuery<T extends object>(
  filters: T,
  limit: number,
  sortOrder: 'asc' | 'desc',
  options: { cursor?: string; resolveData?: ResolveData } = {},
) {
  const pagination = { cursor: options.cursor, limit, sortOrder };
  return { ...filters, pagination, resolveData: options.resolveData ?? ('none' as const) };
}

/** The event types of an entity's timeline as the web UI lists it after acting on it. */
async function timelineOf(world: World, correlationId: string): Promise<string[]> {
  const page = await world.events.listByCorrelationId({ correlationId, pagination: { limit: 10 } });
  return page.data.map((event) => event.eventType);
}

const calls: ClientCall[] = [
  {
    client: 'workflow inspect runs',
    async run(world, fleet) {
      const page = await world.runs.list(cliQuery({ workflowName: undefined, status: undefined }));
      expectNewestFirst(page, fleet);
      expectNoPayloads(page.data, ['input', 'output']);
    },
  },
  {
    client: 'workflow inspect runs --withData',
    async run(world, fleet) {
      const page = await world.runs.list(cliQuery({ workflowName: fleet.workflowName }, {}, 'all'));
      expect(page.data.length).toBe(3);
      for (const run of page.data)
        expect(run.input, 'input with --withData').toBeInstanceOf(Uint8Array);
    },
  },
  {
    client: 'workflow inspect runs --status completed',
    async run(world, fleet) {
      const page = await world.runs.list(cliQuery({ status: 'completed' }));
      expect(ids(page.data, 'runId')).toContain(fleet.done);
      expect(ids(page.data, 'runId')).not.toContain(fleet.waiting);
      for (const run of page.data) expect(run.status).toBe('completed');
    },
  },
  {
    client: 'workflow inspect runs --status pending',
    async run(world, fleet) {
      const page = await world.runs.list(cliQuery({ status: 'pending' }));
      expect(ids(page.data, 'runId')).toContain(fleet.pending);
      for (const run of page.data) expect(run.status).toBe('pending');
    },
  },
  {
    client: 'workflow inspect runs --workflowName <name>',
    async run(world, fleet) {
      const page = await world.runs.list(cliQuery({ workflowName: fleet.workflowName }));
      expect(ids(page.data, 'runId')).toEqual([...fleet.runIds].reverse());
      expect(page.hasMore).toBe(false);
    },
  },
  {
    client: 'workflow inspect runs --limit 2, then the next page with the returned cursor',
    async run(world, fleet) {
      const filters = { workflowName: fleet.workflowName };
      const first = await world.runs.list(cliQuery(filters, { limit: 2 }));
      expect(ids(first.data, 'runId')).toEqual([fleet.pending, fleet.waiting]);
      expect(first.hasMore).toBe(true);
      const next = await world.runs.list(
        cliQuery(filters, { cursor: first.cursor || undefined, limit: 2 }),
      );
      expect(ids(next.data, 'runId')).toEqual([fleet.done]);
      expect(next.hasMore).toBe(false);
    },
  },
  {
    client: 'workflow inspect runs --sort asc',
    async run(world, fleet) {
      const page = await world.runs.list(
        cliQuery({ workflowName: fleet.workflowName }, { sortOrder: 'asc' }),
      );
      expect(ids(page.data, 'runId')).toEqual(fleet.runIds);
    },
  },
  {
    client: 'workflow inspect steps|events|hooks without a run id (the latest run)',
    async run(world, fleet) {
      const page = await world.runs.list({
        pagination: { limit: 1, sortOrder: 'desc' },
        resolveData: 'none',
      });
      expect(ids(page.data, 'runId')).toEqual([fleet.other]);
    },
  },
  {
    client: 'workflow inspect run <id>, workflow start <runId>',
    async run(world, fleet) {
      const run = await world.runs.get(fleet.done, { resolveData: 'all' });
      expect(run.status).toBe('completed');
      expect(run.output).toBeInstanceOf(Uint8Array);
      expect((await world.runs.get(fleet.waiting)).status).toBe('running');
    },
  },
  {
    client: 'workflow start <workflowName> (the newest run of that workflow)',
    async run(world, fleet) {
      const page = await world.runs.list({
        workflowName: fleet.workflowName,
        pagination: { sortOrder: 'desc', limit: 1 },
      });
      expect(ids(page.data, 'runId')).toEqual([fleet.pending]);
    },
  },
  {
    client: 'workflow inspect steps -r <id>',
    async run(world, fleet) {
      const page = await world.steps.list(cliQuery({ runId: fleet.done }));
      expect(ids(page.data, 'stepId')).toEqual([...fleet.steps].reverse());
      expectNoPayloads(page.data, ['input', 'output']);
    },
  },
  {
    client: 'workflow inspect steps -r <id> --limit 1, then the next page',
    async run(world, fleet) {
      const first = await world.steps.list(cliQuery({ runId: fleet.done }, { limit: 1 }));
      expect(first.hasMore).toBe(true);
      const next = await world.steps.list(
        cliQuery({ runId: fleet.done }, { cursor: first.cursor || undefined, limit: 1 }),
      );
      expect([...ids(first.data, 'stepId'), ...ids(next.data, 'stepId')]).toEqual(
        [...fleet.steps].reverse(),
      );
    },
  },
  {
    client: 'workflow inspect step <id> -r <run>',
    async run(world, fleet) {
      const step = await world.steps.get(fleet.done, fleet.steps[0]!, { resolveData: 'all' });
      expect(step.status).toBe('completed');
      expect(step.output).toBeInstanceOf(Uint8Array);
    },
  },
  {
    client: 'workflow inspect events -r <id> (table and --json)',
    async run(world, fleet) {
      const page = await world.events.list(cliQuery({ runId: fleet.done }));
      expect(page.data[0]?.eventType, 'newest first').toBe('run_completed');
      expect(page.data.at(-1)?.eventType).toBe('run_created');
      expect(page.data).toHaveLength(fleet.doneEvents);
    },
  },
  {
    client: 'workflow inspect events -r <id> --limit 5, paging with the returned cursor',
    async run(world, fleet) {
      const seen: string[] = [];
      let cursor: string | undefined = '';
      for (let pages = 0; pages < 10; pages++) {
        const page = await world.events.list(cliQuery({ runId: fleet.done }, { cursor, limit: 5 }));
        seen.push(...ids(page.data, 'eventId'));
        if (!page.hasMore) break;
        cursor = page.cursor || undefined;
      }
      expect(seen).toHaveLength(fleet.doneEvents);
      expect(new Set(seen).size, 'no event twice').toBe(fleet.doneEvents);
      expect(seen, 'newest first across pages').toEqual([...seen].sort().reverse());
    },
  },
  {
    client: 'workflow inspect sleeps -r <id>',
    async run(world, fleet) {
      const page = await world.events.list({
        runId: fleet.waiting,
        pagination: { sortOrder: 'desc', limit: 1000 },
        resolveData: 'all',
      });
      const wait = page.data.find((event) => event.eventType === 'wait_created');
      expect(wait?.correlationId).toBe(fleet.pendingWait);
      expect((wait as { eventData?: { resumeAt?: unknown } }).eventData?.resumeAt).toBeInstanceOf(
        Date,
      );
    },
  },
  {
    client: 'workflow inspect hooks -r <id>',
    async run(world, fleet) {
      const page = await world.hooks.list(cliQuery({ runId: fleet.waiting }));
      expect(ids(page.data, 'hookId')).toEqual([fleet.hook.hookId]);
    },
  },
  {
    client: 'workflow inspect hooks (every run)',
    async run(world, fleet) {
      const page = await world.hooks.list(cliQuery({ runId: undefined }));
      expect(ids(page.data, 'hookId')).toContain(fleet.hook.hookId);
    },
  },
  {
    client: 'workflow inspect streams -r <id>, workflow inspect stream <id>',
    async run(world, fleet) {
      expect(await world.listStreamsByRunId(fleet.done)).toContain(fleet.stream);
      const text: string[] = [];
      const reader = (await world.readFromStream(fleet.stream)).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text.push(new TextDecoder().decode(value));
      }
      expect(text.join('')).toBe('first chunksecond chunk');
    },
  },
  {
    client: 'workflow cancel <id> (on a run waiting on a hook and a sleep)',
    async run(world, fleet) {
      const run = await world.runs.get(fleet.waiting, { resolveData: 'none' });
      await world.events.create(
        fleet.waiting,
        { eventType: 'run_cancelled', specVersion: run.specVersion ?? 1 },
        { v1Compat: false },
      );
      expect((await world.runs.get(fleet.waiting)).status).toBe('cancelled');
    },
  },
  {
    client: 'workflow cancel --status running --workflowName <name> (bulk)',
    async run(world, fleet) {
      const page = await world.runs.list({
        status: 'running',
        workflowName: fleet.workflowName,
        pagination: { limit: 50 },
        resolveData: 'none',
      });
      expect(ids(page.data, 'runId')).toEqual([fleet.waiting]);
    },
  },
  {
    client: 'workflow health (the reply stream of a health check, on a run id no run has)',
    async run(world) {
      const stream = `strm_${uid()}_health`;
      const runId = newRunId();
      await world.writeToStream(stream, runId, JSON.stringify({ healthy: true }));
      await world.closeStream(stream, runId);
      const info = await world.getStreamInfo(stream, runId);
      expect(info).toEqual({ tailIndex: 0, done: true });
    },
  },
  {
    client: 'web UI: runs list (first page, then the next with the returned cursor)',
    async run(world, fleet) {
      const first = await world.runs.list(webQuery({}, 2, 'desc'));
      expect(ids(first.data, 'runId')).toEqual([fleet.other, fleet.pending]);
      const next = await world.runs.list(
        webQuery({}, 2, 'desc', { cursor: first.cursor ?? undefined }),
      );
      expect(ids(next.data, 'runId')).toEqual([fleet.waiting, fleet.done]);
    },
  },
  {
    client: 'web UI: runs list filtered by workflow and status',
    async run(world, fleet) {
      const page = await world.runs.list(
        webQuery({ workflowName: fleet.workflowName, status: 'running' }, 10, 'desc'),
      );
      expect(ids(page.data, 'runId')).toEqual([fleet.waiting]);
    },
  },
  {
    client: 'web UI: run page steps',
    async run(world, fleet) {
      const page = await world.steps.list(webQuery({ runId: fleet.done }, 100, 'asc'));
      expect(ids(page.data, 'stepId')).toEqual(fleet.steps);
    },
  },
  {
    client: 'web UI: run page events, and one event opened',
    async run(world, fleet) {
      const page = await world.events.list(
        webQuery({ runId: fleet.done }, 1000, 'asc', { resolveData: 'all' }),
      );
      expect(page.data[0]?.eventType).toBe('run_created');
      expect(page.data).toHaveLength(fleet.doneEvents);
      const completed = page.data.find((event) => event.eventType === 'step_completed')!;
      const opened = await world.events.get(fleet.done, completed.eventId, { resolveData: 'all' });
      expect(opened.eventId).toBe(completed.eventId);
      expect(opened.correlationId).toBe(fleet.steps[0]);
    },
  },
  {
    client: 'web UI: a step or hook timeline (events by correlation id, with the run id)',
    async run(world, fleet) {
      const page = await world.events.listByCorrelationId(
        webQuery({ correlationId: fleet.steps[1]!, runId: fleet.done }, 100, 'asc') as Parameters<
          World['events']['listByCorrelationId']
        >[0],
      );
      expect(page.data.map((event) => event.eventType)).toEqual([
        'step_created',
        'step_started',
        'step_completed',
      ]);
    },
  },
  {
    client: 'web UI: hooks list, with and without a run, and one hook opened',
    async run(world, fleet) {
      const all = await world.hooks.list(webQuery({}, 10, 'desc'));
      expect(ids(all.data, 'hookId')).toContain(fleet.hook.hookId);
      const ofRun = await world.hooks.list(webQuery({ runId: fleet.waiting }, 10, 'desc'));
      expect(ids(ofRun.data, 'hookId')).toEqual([fleet.hook.hookId]);
      const hook = await world.hooks.get(fleet.hook.hookId, { resolveData: 'all' });
      expect(hook.token).toBe(fleet.hook.token);
    },
  },
  {
    client: 'web UI: a stream read in pages of chunks, and its info',
    async run(world, fleet) {
      const first = await world.getStreamChunks(fleet.stream, fleet.done, {
        limit: 1,
        cursor: undefined,
      });
      expect(first.hasMore).toBe(true);
      const rest = await world.getStreamChunks(fleet.stream, fleet.done, {
        limit: 500,
        cursor: first.cursor ?? undefined,
      });
      const text = [...first.data, ...rest.data].map((chunk) =>
        new TextDecoder().decode(chunk.data),
      );
      expect(text).toEqual(['first chunk', 'second chunk']);
      expect(rest.done).toBe(true);
      expect(await world.getStreamInfo(fleet.stream, fleet.done)).toEqual({
        tailIndex: 1,
        done: true,
      });
    },
  },
  {
    client: 'web UI and CLI: a stream page asked for with an empty cursor',
    async run(world, fleet) {
      const page = await world.getStreamChunks(fleet.stream, fleet.done, {
        limit: 500,
        cursor: '',
      });
      expect(page.data.map((chunk) => chunk.index)).toEqual([0, 1]);
    },
  },
  {
    client: 'web UI: wake up a sleeping run (its log, then wait_completed)',
    async run(world, fleet) {
      const log = await world.events.list({
        runId: fleet.waiting,
        pagination: { limit: 1000 },
        resolveData: 'none',
      });
      const wait = log.data.find((event) => event.eventType === 'wait_created');
      expect(wait?.correlationId).toBe(fleet.pendingWait);
      await world.events.create(
        fleet.waiting,
        {
          eventType: 'wait_completed',
          specVersion: 3,
          correlationId: fleet.pendingWait,
          eventData: { resumeAt: new Date() },
        },
        { v1Compat: false },
      );
      expect(await timelineOf(world, fleet.pendingWait)).toEqual([
        'wait_created',
        'wait_completed',
      ]);
    },
  },
  {
    client: 'web UI: resume a hook by its token',
    async run(world, fleet) {
      const hook = await world.hooks.getByToken(fleet.hook.token);
      expect(hook.runId).toBe(fleet.waiting);
      await world.events.create(hook.runId, {
        eventType: 'hook_received',
        specVersion: 3,
        correlationId: hook.hookId,
        eventData: { payload: payload() },
      });
      expect(await timelineOf(world, hook.hookId)).toEqual(['hook_created', 'hook_received']);
    },
  },
];

export const clientCases: ConformanceCase[] = calls.map((call) => ({
  name: call.client,
  async run(t) {
    const world = await t.world();
    await call.run(world, await seedFleet(world));
  },
}));
