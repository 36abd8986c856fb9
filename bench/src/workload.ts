/**
 * The event mix the measurements write, shaped as runtime 4.8.9 writes it: a run is created and
 * started, then each step is created, started and completed, with small binary payloads.
 */
import { newId } from '@worldkit/world';
import type { OpenedWorld } from './subjects/types.js';

export const WORKFLOW_NAME = 'workflow//./bench/workflows//bench';
export const STEP_NAME = 'step//./bench/workflows//work';

/** A small serialized value, like a step's dehydrated arguments or result. */
export function payload(bytes = 64): Uint8Array {
  const data = new Uint8Array(bytes);
  for (let index = 0; index < bytes; index++) data[index] = (index * 31 + 7) & 0xff;
  return data;
}

export async function createRun(subject: OpenedWorld): Promise<string> {
  const runId = newId('run');
  await subject.world.events.create(runId, {
    eventType: 'run_created',
    specVersion: subject.specVersion,
    eventData: { deploymentId: 'bench', workflowName: WORKFLOW_NAME, input: payload() },
  } as any);
  return runId;
}

/** A run as the runtime leaves it after `run_started`: two events, status running. */
export async function createStartedRun(subject: OpenedWorld): Promise<string> {
  const runId = await createRun(subject);
  await subject.world.events.create(runId, {
    eventType: 'run_started',
    specVersion: subject.specVersion,
  } as any);
  return runId;
}

/** The three events of one step, in order; each element is one events.create. */
export function stepEvents(subject: OpenedWorld): Array<(runId: string) => Promise<unknown>> {
  const stepId = newId('step');
  const { world, specVersion } = subject;
  const append = (eventType: string, eventData: Record<string, unknown>) => (runId: string) =>
    world.events.create(runId, { eventType, correlationId: stepId, specVersion, eventData } as any);
  return [
    append('step_created', { stepName: STEP_NAME, input: payload() }),
    append('step_started', { stepName: STEP_NAME }),
    append('step_completed', { stepName: STEP_NAME, result: payload() }),
  ];
}

/**
 * Appends step cycles to `runId` until `deadline` (a performance.now() time) and returns how many
 * events were appended. A cycle cut short by the deadline still counts its finished events.
 */
export async function writeStepsUntil(
  subject: OpenedWorld,
  runId: string,
  deadline: number,
): Promise<number> {
  let appended = 0;
  while (performance.now() < deadline) {
    for (const append of stepEvents(subject)) {
      await append(runId);
      appended++;
      if (performance.now() >= deadline) return appended;
    }
  }
  return appended;
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
