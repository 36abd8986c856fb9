/**
 * The soak's load: short runs written as the runtime writes them, started at a fixed rate by a few
 * writers. Each run is created and started, creates a hook, runs two steps with small payloads,
 * writes a stream chunk and closes the stream, and completes (which deletes its hook). Every
 * events.create is timed, so the report shows whether background pruning stalls the app.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { newId } from '@worldkit/world';
import { errorMessage } from '../error-message.js';
import type { OpenedWorld } from '../subjects/types.js';
import { createStartedRun, payload, stepEvents } from '../workload.js';

/** What one variant's writers did since the last look, and in total. */
export class LoadRecorder {
  /** Latencies of every events.create (ms). */
  readonly latencies: number[] = [];
  runsWritten = 0;
  failures = 0;
  firstFailure: string | undefined;
  private intervalFrom = 0;
  private runsAtIntervalStart = 0;

  failed(error: unknown): void {
    this.failures++;
    this.firstFailure ??= errorMessage(error);
  }

  /** The latencies and finished runs since the previous call. */
  takeInterval(): { latencies: number[]; runs: number } {
    const latencies = this.latencies.slice(this.intervalFrom);
    const runs = this.runsWritten - this.runsAtIntervalStart;
    this.intervalFrom = this.latencies.length;
    this.runsAtIntervalStart = this.runsWritten;
    return { latencies, runs };
  }
}

/** `opened` with every events.create timed into `recorder`: the shared helpers write through it. */
function timed(opened: OpenedWorld, recorder: LoadRecorder): OpenedWorld {
  const { world } = opened;
  const create = world.events.create;
  const events = {
    ...world.events,
    create: (async (...args: Parameters<typeof create>) => {
      const started = performance.now();
      const result = await create(...args);
      recorder.latencies.push(performance.now() - started);
      return result;
    }) as typeof create,
  };
  return { ...opened, world: { ...world, events } };
}

async function writeRun(opened: OpenedWorld): Promise<void> {
  const { world, specVersion } = opened;
  const runId = await createStartedRun(opened);
  const hookId = newId('hook');
  await world.events.create(runId, {
    eventType: 'hook_created',
    correlationId: hookId,
    specVersion,
    eventData: { token: `soak_${newId('hook')}`, isWebhook: false },
  } as any);
  for (let step = 0; step < 2; step++) {
    for (const append of stepEvents(opened)) await append(runId);
  }
  const stream = newId('stream');
  await world.writeToStream(stream, runId, payload(256));
  await world.closeStream(stream, runId);
  await world.events.create(runId, {
    eventType: 'run_completed',
    specVersion,
    eventData: { output: payload() },
  } as any);
}

/**
 * Starts run `i` at `i / rate` seconds (or as soon as a writer is free, when behind) until
 * `durationMs` has gone by, then waits for the runs in flight. A failed run is counted, not fatal.
 */
export async function driveLoad(
  opened: OpenedWorld,
  recorder: LoadRecorder,
  plan: { rate: number; writers: number; durationMs: number },
): Promise<void> {
  const world = timed(opened, recorder);
  const start = performance.now();
  const end = start + plan.durationMs;
  let next = 0;
  const writer = async () => {
    for (;;) {
      const due = start + (next++ * 1000) / plan.rate;
      if (due >= end) return;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      try {
        await writeRun(world);
        recorder.runsWritten++;
      } catch (error) {
        recorder.failed(error);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.writers }, writer));
}
