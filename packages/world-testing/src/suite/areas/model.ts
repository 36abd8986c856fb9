import {
  type CreateEventParams,
  type EventResult,
  idTime,
  type World,
  type WorldCapabilities,
} from '@worldkit/world';
import fc from 'fast-check';
import { expect } from 'vitest';
import { createMemoryWorld } from '../../memory/world.js';
import type { CaseContext, ConformanceCase } from '../context.js';
import { allEvents, append, collect, ev, payload } from '../fixtures.js';
import { checkRunInvariants, checkTokenInvariants, type RunView } from '../invariants.js';
import { newRunId, uid } from '../names.js';

/**
 * Model-based testing: random histories of `events.create` calls over a few runs, steps, hooks,
 * waits and tokens (small pools, so duplicates, conflicts and terminal-state races are common),
 * applied to the World under test and to a fresh memory World built on the reference state
 * machine. Every call must have the same outcome in both, and the final state must match entity
 * by entity and event type by event type; ids and times differ and are not compared.
 */

/** The size of each pool a history draws from. */
const POOL = { runs: 3, steps: 3, hooks: 2, waits: 2, tokens: 3 } as const;

type Fence = 'none' | 'current' | 'stale';
type Op =
  | { kind: 'run_created' | 'run_completed' | 'run_failed' | 'run_cancelled'; run: number }
  | { kind: 'run_started'; run: number; bootstrap: boolean }
  | {
      kind: 'step_created' | 'step_started' | 'step_completed' | 'step_failed';
      run: number;
      step: number;
    }
  | { kind: 'step_retrying'; run: number; step: number; future: boolean }
  | { kind: 'hook_created'; run: number; hook: number; token: number }
  | { kind: 'hook_received' | 'hook_disposed'; run: number; hook: number }
  | { kind: 'wait_created' | 'wait_completed'; run: number; wait: number };
type Command = Op & { fence: Fence; guard: Fence };

function commandArbitrary(capabilities: WorldCapabilities): fc.Arbitrary<Command> {
  const run = fc.nat(POOL.runs - 1);
  const step = fc.nat(POOL.steps - 1);
  const hook = fc.nat(POOL.hooks - 1);
  const wait = fc.nat(POOL.waits - 1);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('run_created' as const), run }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('run_started' as const),
        run,
        bootstrap: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constantFrom(
          'run_completed' as const,
          'run_failed' as const,
          'run_cancelled' as const,
        ),
        run,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        kind: fc.constantFrom(
          'step_created' as const,
          'step_started' as const,
          'step_completed' as const,
          'step_failed' as const,
        ),
        run,
        step,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('step_retrying' as const),
        run,
        step,
        future: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('hook_created' as const),
        run,
        hook,
        token: fc.nat(POOL.tokens - 1),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom('hook_received' as const, 'hook_disposed' as const),
        run,
        hook,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constantFrom('wait_created' as const, 'wait_completed' as const),
        run,
        wait,
      }),
    },
  );
  const fence = capabilities.lastKnownEventIdFence
    ? fc.constantFrom<Fence>('none', 'none', 'none', 'current', 'stale')
    : fc.constant<Fence>('none');
  const guard = capabilities.stateUpdatedAtGuard
    ? fc.constantFrom<Fence>('none', 'none', 'none', 'current', 'stale')
    : fc.constant<Fence>('none');
  return fc.tuple(op, fence, guard).map(([o, f, g]) => ({ ...o, fence: f, guard: g }));
}

/** Concrete ids of one history: the same in both Worlds, unique on a shared backend. */
function universe() {
  const tag = uid();
  return {
    runs: Array.from({ length: POOL.runs }, () => newRunId()),
    step: (run: number, step: number) => `step_${tag}_${run}_${step}`,
    hook: (run: number, hook: number) => `hook_${tag}_${run}_${hook}`,
    wait: (run: number, wait: number) => `wait_${tag}_${run}_${wait}`,
    token: (token: number) => `token-${tag}-${token}`,
    workflowName: `workflow//./conformance//model_${tag}`,
  };
}
type Universe = ReturnType<typeof universe>;

/** What one World has told us about each run: its event ids, and its precondition marker. */
class Tracker {
  readonly eventIds = new Map<string, string[]>();
  readonly markers = new Map<string, number>();

  params(runId: string, command: Command): CreateEventParams {
    const ids = this.eventIds.get(runId) ?? [];
    const params: CreateEventParams = {};
    if (command.fence === 'current' && ids.length > 0) params.lastKnownEventId = ids.at(-1)!;
    if (command.fence === 'stale' && ids.length > 1) params.lastKnownEventId = ids.at(-2)!;
    const marker = this.markers.get(runId);
    if (command.guard === 'current' && ids.length > 0) params.stateUpdatedAt = idTime(ids.at(-1)!)!;
    if (command.guard === 'stale' && marker !== undefined) params.stateUpdatedAt = marker - 1;
    return params;
  }

  record(runId: string, result: EventResult, params: CreateEventParams): void {
    const event = result.event;
    if (event === undefined) return;
    const ids = this.eventIds.get(runId) ?? [];
    if (ids.length === 0 && event.eventType === 'run_started')
      ids.push(`${event.eventId}-bootstrap`);
    ids.push(event.eventId);
    this.eventIds.set(runId, ids);
    if (
      params.stateUpdatedAt === undefined &&
      (event.eventType === 'hook_received' || event.eventType === 'step_completed')
    ) {
      this.markers.set(runId, idTime(event.eventId)!);
    }
  }
}

function requestOf(command: Command, u: Universe): Record<string, unknown> {
  const farFuture = new Date(Date.now() + 3_600_000);
  switch (command.kind) {
    case 'run_created':
      return ev.runCreated({ workflowName: u.workflowName, input: payload(`in-${command.run}`) });
    case 'run_started':
      return command.bootstrap
        ? ev.runStarted({ workflowName: u.workflowName, input: payload(`in-${command.run}`) })
        : ev.runStarted();
    case 'run_completed':
      return ev.runCompleted(payload('out'));
    case 'run_failed':
      return ev.runFailed('model failure');
    case 'run_cancelled':
      return ev.runCancelled();
    case 'step_created':
      return ev.stepCreated(u.step(command.run, command.step), payload('step-in'));
    case 'step_started':
      return ev.stepStarted(u.step(command.run, command.step));
    case 'step_completed':
      return ev.stepCompleted(u.step(command.run, command.step), payload('step-out'));
    case 'step_failed':
      return ev.stepFailed(u.step(command.run, command.step));
    case 'step_retrying':
      return ev.stepRetrying(
        u.step(command.run, command.step),
        command.future ? farFuture : new Date(0),
      );
    case 'hook_created':
      return ev.hookCreated(u.hook(command.run, command.hook), u.token(command.token));
    case 'hook_received':
      return ev.hookReceived(u.hook(command.run, command.hook), 'model-token', payload('signal'));
    case 'hook_disposed':
      return ev.hookDisposed(u.hook(command.run, command.hook), 'model-token');
    case 'wait_created':
      return ev.waitCreated(u.wait(command.run, command.wait), new Date(1_700_000_000_123));
    case 'wait_completed':
      return ev.waitCompleted(u.wait(command.run, command.wait), new Date(1_700_000_000_123));
  }
}

type Outcome = { ok: string } | { error: string };

async function apply(
  world: World,
  tracker: Tracker,
  command: Command,
  u: Universe,
  request: Record<string, unknown> = requestOf(command, u),
): Promise<Outcome> {
  const runId = u.runs[command.run]!;
  const params = tracker.params(runId, command);
  try {
    const result = await append(world, runId, structuredClone(request), params);
    tracker.record(runId, result, params);
    return { ok: result.event?.eventType ?? 'unchanged' };
  } catch (error) {
    const { name, code, status } = error as { name?: string; code?: string; status?: number };
    const detail =
      code === 'FENCE_CONFLICT' ? `/${code}` : name === 'WorkflowWorldError' ? `/${status}` : '';
    return { error: `${name}${detail}` };
  }
}

const bytesOf = (value: unknown) =>
  value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value;

/** The comparable state of one run: ids and times left out. */
async function stateOf(world: World, runId: string) {
  let run: Awaited<ReturnType<World['runs']['get']>> | undefined;
  try {
    run = await world.runs.get(runId);
  } catch (error) {
    if ((error as Error).name !== 'WorkflowRunNotFoundError') throw error;
    return { exists: false };
  }
  const steps = await collect((cursor) =>
    world.steps.list({
      runId,
      pagination: { sortOrder: 'asc', ...(cursor === undefined ? {} : { cursor }) },
    }),
  );
  const hooks = await collect((cursor) =>
    world.hooks.list({ runId, pagination: { ...(cursor === undefined ? {} : { cursor }) } }),
  );
  const log = await allEvents(world, runId);
  return {
    exists: true,
    run: {
      status: run.status,
      started: run.startedAt !== undefined,
      completed: run.completedAt !== undefined,
      output: bytesOf(run.output),
      error: run.error?.message,
    },
    steps: steps
      .map((s) => ({
        stepId: s.stepId,
        status: s.status,
        attempt: s.attempt,
        output: bytesOf(s.output),
        error: s.error?.message,
        retryAfter: s.retryAfter?.getTime(),
      }))
      .sort((a, b) => a.stepId.localeCompare(b.stepId)),
    hooks: hooks
      .map((h) => ({ hookId: h.hookId, token: h.token }))
      .sort((a, b) => a.hookId.localeCompare(b.hookId)),
    log: log.map((e) => `${e.eventType}${e.correlationId ? ` ${e.correlationId}` : ''}`),
  };
}

async function viewOf(world: World, runId: string): Promise<RunView | undefined> {
  try {
    const run = await world.runs.get(runId);
    const steps = await collect((cursor) =>
      world.steps.list({ runId, pagination: { ...(cursor === undefined ? {} : { cursor }) } }),
    );
    const hooks = await collect((cursor) =>
      world.hooks.list({ runId, pagination: { ...(cursor === undefined ? {} : { cursor }) } }),
    );
    return { run, steps, hooks, log: await allEvents(world, runId) };
  } catch (error) {
    if ((error as Error).name === 'WorkflowRunNotFoundError') return undefined;
    throw error;
  }
}

async function expectInvariants(world: World, u: Universe): Promise<void> {
  const views = (await Promise.all(u.runs.map((runId) => viewOf(world, runId)))).filter(
    (view): view is RunView => view !== undefined,
  );
  const problems = [
    ...views.flatMap((view) => checkRunInvariants(view)),
    ...checkTokenInvariants(views),
  ];
  expect(problems, 'invariants re-derived from the final logs').toEqual([]);
}

/**
 * Runs a property for `scale.modelRuns` histories, seeded. On a failure it shrinks from that
 * failure for at most `scale.shrinkBudgetMs` (each shrink step replays a history against a real
 * backend, so unbounded shrinking could take hours) and reports the smallest counterexample.
 */
async function checkProperty<T>(t: CaseContext, property: fc.IAsyncProperty<T>): Promise<void> {
  const base: fc.Parameters<T> = {
    numRuns: t.scale.modelRuns,
    ...(t.scale.seed === undefined ? {} : { seed: t.scale.seed }),
  };
  const found = await fc.check(property, { ...base, endOnFailure: true });
  if (!found.failed) return;
  const shrunk = await fc.check(property, {
    ...base,
    seed: found.seed,
    ...(found.counterexamplePath === null ? {} : { path: found.counterexamplePath }),
    interruptAfterTimeLimit: t.scale.shrinkBudgetMs,
    markInterruptAsFailure: true,
  });
  const report = shrunk.failed && shrunk.counterexample !== null ? shrunk : found;
  throw new Error(await fc.asyncDefaultReportMessage(report), { cause: report.errorInstance });
}

export const modelCases: ConformanceCase[] = [
  {
    name: 'random histories: every outcome and the final state match the reference World',
    timeoutMs: 300_000,
    async run(t) {
      const world = await t.world();
      const commands = fc.array(commandArbitrary(t.capabilities), {
        minLength: t.scale.modelCommands,
        maxLength: t.scale.modelCommands,
      });
      await checkProperty(
        t,
        fc.asyncProperty(commands, async (history) => {
          const u = universe();
          const reference = createMemoryWorld();
          const [actual, expected] = [new Tracker(), new Tracker()];
          try {
            for (const [index, command] of history.entries()) {
              // One request for both Worlds, so that times inside it are identical.
              const request = requestOf(command, u);
              const where = `command ${index} of ${history.length}: ${JSON.stringify(command)}`;
              const got = await apply(world, actual, command, u, request);
              const want = await apply(reference, expected, command, u, request);
              expect(got, `${where}: outcome differs from the reference World`).toEqual(want);
              const runId = u.runs[command.run]!;
              expect(
                await stateOf(world, runId),
                `${where}: state of the run differs from the reference World`,
              ).toEqual(await stateOf(reference, runId));
            }
            for (const runId of u.runs) {
              expect(await stateOf(world, runId), `final state of run ${runId}`).toEqual(
                await stateOf(reference, runId),
              );
            }
            for (let token = 0; token < POOL.tokens; token++) {
              const owner = (w: World) =>
                w.hooks.getByToken(u.token(token)).then(
                  (h) => h.hookId,
                  (e: Error) => e.name,
                );
              expect(await owner(world), `owner of token ${token}`).toBe(await owner(reference));
            }
            await expectInvariants(world, u);
          } finally {
            await reference.close!();
          }
        }),
      );
    },
  },
  {
    name: 'concurrent random histories: the final logs satisfy every invariant',
    timeoutMs: 300_000,
    async run(t) {
      const worlds = [await t.world(), await t.openWorld()];
      const commands = fc.array(
        fc.array(commandArbitrary(t.capabilities), { minLength: 1, maxLength: 8 }),
        {
          minLength: Math.ceil(t.scale.modelCommands / 5),
          maxLength: Math.ceil(t.scale.modelCommands / 5),
        },
      );
      await checkProperty(
        t,
        fc.asyncProperty(commands, async (batches) => {
          const u = universe();
          const trackers = [new Tracker(), new Tracker()];
          for (const batch of batches) {
            // Each batch races: its commands are issued together through two instances.
            await Promise.all(
              batch.map((command, i) => apply(worlds[i % 2]!, trackers[i % 2]!, command, u)),
            );
          }
          await expectInvariants(worlds[0]!, u);
        }),
      );
    },
  },
];
