import {
  type AppClient,
  ControlError,
  type RefusalCounters,
  type RunSummary,
} from '../harness/client.js';
import { TestDeployment } from '../harness/deployment.js';
import { RunWatcher } from '../harness/run-watcher.js';
import type { WorldTarget } from '../harness/targets.js';

export interface RaceOptions {
  /** Runs of `hookSleepLoop` (the hook/sleep race). */
  hookRuns: number;
  /** Runs of `stepStorm`. */
  stormRuns: number;
  /** App processes sharing the World. */
  processes: number;
  /** Rounds of `Promise.race([hook, sleep])` per hook run. */
  rounds: number;
  sleepMs: number;
  /** Hook payloads sent together around each sleep deadline, spread over the processes. */
  burst: number;
  /** Payloads land uniformly within ± this many ms of the deadline. */
  jitterMs: number;
  stormWidth: number;
  stormWaves: number;
  /** Runs in flight at once. */
  concurrency: number;
}

export const ciRaceOptions = (env = process.env): RaceOptions => ({
  hookRuns: Number(env.E2E_RACE_HOOK_RUNS ?? 40),
  stormRuns: Number(env.E2E_RACE_STORM_RUNS ?? 20),
  processes: Number(env.E2E_RACE_PROCESSES ?? 3),
  rounds: Number(env.E2E_RACE_ROUNDS ?? 4),
  sleepMs: Number(env.E2E_RACE_SLEEP_MS ?? 1000),
  burst: Number(env.E2E_RACE_BURST ?? 3),
  jitterMs: Number(env.E2E_RACE_JITTER_MS ?? 40),
  stormWidth: Number(env.E2E_RACE_STORM_WIDTH ?? 10),
  stormWaves: Number(env.E2E_RACE_STORM_WAVES ?? 3),
  concurrency: Number(env.E2E_RACE_CONCURRENCY ?? 45),
});

export interface RaceReport {
  world: string;
  runs: number;
  completed: number;
  failed: number;
  /** Runs failed with CORRUPTED_EVENT_LOG. */
  corrupted: number;
  /** Runs failed with REPLAY_DIVERGENCE. */
  divergences: number;
  /** Completed runs whose result is not what the workflow must return. */
  wrongResults: number;
  /** Failed runs by error code (all of them, corrupted and divergent included). */
  failuresByCode: Record<string, number>;
  /** `PreconditionFailedError` refusals: the `stateUpdatedAt` guard fired. */
  guardRefusals: number;
  /** `EntityConflictError` refusals other than the fence: creation and completion conflicts. */
  conflicts: number;
  /** `EntityConflictError` with code FENCE_CONFLICT: the `lastKnownEventId` fence fired. */
  fenceRefusals: number;
  /** Re-invocations the runtime queued to recover from a transient replay divergence. */
  divergenceRecoveries: number;
  payloadsSent: number;
  /** Payloads refused because the hook was gone (the run finished) or not yet registered. */
  payloadsWithoutHook: number;
  /** `resumeHook()` calls that failed for another reason, by error name and code. */
  payloadErrors: Record<string, number>;
  /** `start()` calls the World refused (no run was started), by error name and code. */
  startErrors: Record<string, number>;
  wallMs: number;
  /** Raw refusal counts summed over the processes, by error key and event type. */
  refusals: RefusalCounters['refusals'];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs `tasks` with at most `limit` of them in flight. */
async function inPool(limit: number, tasks: Array<() => Promise<void>>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

function expectedStormTotal({ stormWidth, stormWaves }: RaceOptions): number {
  let perWave = 0;
  for (let index = 0; index < stormWidth; index++) perWave += index * index;
  return perWave * stormWaves;
}

/**
 * One race run on one World: hook/sleep races with payload bursts aimed at each sleep's
 * deadline, and step storms, spread over several app processes sharing the World (loaded through
 * the counting wrapper). Returns what happened to every run and how often the World refused.
 */
export async function runRace(
  target: WorldTarget,
  options: RaceOptions,
  label = 'race',
  /** Called every few seconds with the number of runs finished so far. */
  onProgress?: (finished: number, total: number) => void,
): Promise<RaceReport> {
  const deployment = await TestDeployment.create(target, label, {
    processes: options.processes,
    countRefusals: true,
  });
  const clients = deployment.clients;
  const watcher = new RunWatcher(() => clients, 200);
  const outcomes: Array<{ summary: RunSummary; correct: () => Promise<boolean> }> = [];
  let payloadsSent = 0;
  let payloadsWithoutHook = 0;
  const payloadErrors: Record<string, number> = {};
  const startErrors: Record<string, number> = {};
  const started = Date.now();

  const pick = (index: number): AppClient => clients[index % clients.length]!;

  /** `start()`, or undefined when the World refused it (counted, like a refused payload). */
  const startOrCount = async (client: AppClient, workflow: string, args: unknown[]) => {
    try {
      return await client.start(workflow, args);
    } catch (error) {
      if (!(error instanceof ControlError)) throw error;
      countRefusal(startErrors, error);
      return undefined;
    }
  };

  const hookRun = (index: number) => async () => {
    const token = `race-${label}-${index}-${started}`;
    const client = pick(index);
    const runId = await startOrCount(client, 'hookSleepLoop', [
      token,
      options.rounds,
      options.sleepMs,
    ]);
    if (runId === undefined) return;
    let finished = false;
    const done = watcher.watch(runId).then((summary) => {
      finished = true;
      return summary;
    });
    let sequence = 0;
    let lastWaitId: string | undefined;
    while (!finished) {
      const wait = await client.pendingWait(runId).catch(() => null);
      if (!wait || wait.waitId === lastWaitId) {
        await Promise.race([pause(50), done]);
        continue;
      }
      lastWaitId = wait.waitId;
      const landAt = wait.resumeAt + (Math.random() * 2 - 1) * options.jitterMs;
      await Promise.race([pause(landAt - Date.now()), done]);
      if (finished) break;
      const burst = Array.from({ length: options.burst }, (_, offset) =>
        pick(index + offset).resumeHook(token, { sequence: sequence++ }),
      );
      for (const result of await Promise.allSettled(burst)) {
        payloadsSent++;
        if (result.status === 'fulfilled') continue;
        // A process that does not answer at all is a broken app: stop the race.
        if (!(result.reason instanceof ControlError)) throw result.reason;
        const { errorName } = result.reason;
        if (errorName === 'HookNotFoundError') {
          payloadsWithoutHook++;
        } else {
          // `resumeHook()` itself refused (e.g. a World timing out under load): the user sees
          // the error and the payload may be lost, but the log is not corrupted. Counted.
          countRefusal(payloadErrors, result.reason);
        }
      }
    }
    const summary = await done;
    outcomes.push({
      summary,
      correct: async () => {
        const output = (await client.result(runId)).output as Record<string, number>;
        return (
          output.rounds === options.rounds &&
          output.hookWins! + output.sleepWins! === options.rounds
        );
      },
    });
  };

  const stormRun = (index: number) => async () => {
    const client = pick(index);
    const runId = await startOrCount(client, 'stepStorm', [options.stormWidth, options.stormWaves]);
    if (runId === undefined) return;
    const summary = await watcher.watch(runId);
    outcomes.push({
      summary,
      correct: async () => (await client.result(runId)).output === expectedStormTotal(options),
    });
  };

  const total = options.hookRuns + options.stormRuns;
  const progress = onProgress && setInterval(() => onProgress(outcomes.length, total), 10_000);
  try {
    // Interleave the two workloads so storms and hook races overlap.
    const tasks: Array<() => Promise<void>> = [];
    for (let index = 0; index < Math.max(options.hookRuns, options.stormRuns); index++) {
      if (index < options.hookRuns) tasks.push(hookRun(index));
      if (index < options.stormRuns) tasks.push(stormRun(index));
    }
    await inPool(options.concurrency, tasks);
    const wallMs = Date.now() - started;

    let wrongResults = 0;
    const failuresByCode: Record<string, number> = {};
    for (const { summary, correct } of outcomes) {
      if (summary.status === 'completed') {
        if (!(await correct())) wrongResults++;
      } else {
        const code = summary.errorCode ?? summary.status;
        failuresByCode[code] = (failuresByCode[code] ?? 0) + 1;
      }
    }
    const counters = await Promise.all(clients.map((client) => client.counters()));
    const refusals = sumRefusals(counters);
    const refusalsMatching = (matches: (key: string) => boolean) =>
      Object.entries(refusals)
        .filter(([key]) => matches(key))
        .reduce((sum, [, byType]) => sum + Object.values(byType).reduce((a, b) => a + b, 0), 0);
    return {
      world: target.name,
      runs: outcomes.length,
      completed: outcomes.filter(({ summary }) => summary.status === 'completed').length,
      failed: outcomes.filter(({ summary }) => summary.status !== 'completed').length,
      corrupted: failuresByCode.CORRUPTED_EVENT_LOG ?? 0,
      divergences: failuresByCode.REPLAY_DIVERGENCE ?? 0,
      wrongResults,
      failuresByCode,
      guardRefusals: refusalsMatching((key) => key.startsWith('PreconditionFailedError')),
      conflicts: refusalsMatching(
        (key) => key.startsWith('EntityConflictError') && !key.endsWith('/FENCE_CONFLICT'),
      ),
      fenceRefusals: refusalsMatching((key) => key === 'EntityConflictError/FENCE_CONFLICT'),
      divergenceRecoveries: counters.reduce((sum, c) => sum + c.divergenceRecoveries, 0),
      payloadsSent,
      payloadsWithoutHook,
      payloadErrors,
      startErrors,
      wallMs,
      refusals,
    };
  } finally {
    if (progress) clearInterval(progress);
    await watcher.stop();
    await deployment.close();
  }
}

function countRefusal(table: Record<string, number>, { errorName, code }: ControlError): void {
  const key = code ? `${errorName}/${code}` : `${errorName}`;
  table[key] = (table[key] ?? 0) + 1;
}

function sumRefusals(counters: RefusalCounters[]): RefusalCounters['refusals'] {
  const sum: RefusalCounters['refusals'] = {};
  for (const { refusals } of counters) {
    for (const [key, byType] of Object.entries(refusals)) {
      sum[key] ??= {};
      for (const [eventType, count] of Object.entries(byType)) {
        sum[key][eventType] = (sum[key][eventType] ?? 0) + count;
      }
    }
  }
  return sum;
}
