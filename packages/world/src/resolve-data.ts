import { EVENT_DATA_REF_FIELDS, type Event, type EventResult } from './schemas/events.js';
import type { Hook } from './schemas/hooks.js';
import type { WorkflowRun, WorkflowRunWithoutData } from './schemas/runs.js';
import type { ResolveData } from './schemas/shared.js';
import type { Step, StepWithoutData } from './schemas/steps.js';

/**
 * How reads honour `resolveData: 'none'`: payload fields are stripped, everything else (names,
 * tokens, `resumeAt`, errors of runs) survives, because the runtime's wake-up path reads them.
 */

export function eventForRead(event: Event, resolveData: ResolveData = 'all'): Event {
  const { eventData: data, ...rest } = event as Event & { eventData?: unknown };
  const refs = EVENT_DATA_REF_FIELDS[event.eventType];
  if (resolveData === 'all' || refs === undefined || data === undefined) return event;
  const eventData: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of refs) delete eventData[field];
  return (Object.keys(eventData).length === 0 ? rest : { ...rest, eventData }) as Event;
}

export function runForRead(run: WorkflowRun, resolveData: 'none'): WorkflowRunWithoutData;
export function runForRead(run: WorkflowRun, resolveData?: ResolveData): WorkflowRun;
export function runForRead(
  run: WorkflowRun,
  resolveData: ResolveData = 'all',
): WorkflowRun | WorkflowRunWithoutData {
  return resolveData === 'all'
    ? run
    : ({ ...run, input: undefined, output: undefined } as WorkflowRunWithoutData);
}

export function stepForRead(step: Step, resolveData: 'none'): StepWithoutData;
export function stepForRead(step: Step, resolveData?: ResolveData): Step;
export function stepForRead(step: Step, resolveData: ResolveData = 'all'): Step | StepWithoutData {
  return resolveData === 'all'
    ? step
    : ({ ...step, input: undefined, output: undefined } as StepWithoutData);
}

export function hookForRead(hook: Hook, resolveData: ResolveData = 'all'): Hook {
  if (resolveData === 'all') return hook;
  const { metadata: _stripped, ...rest } = hook;
  return rest;
}

/** Shapes a whole `events.create` result. */
export function resultForRead(result: EventResult, resolveData: ResolveData = 'all'): EventResult {
  if (resolveData === 'all') return result;
  return {
    ...result,
    ...(result.event && { event: eventForRead(result.event, resolveData) }),
    ...(result.run && { run: runForRead(result.run, resolveData) as unknown as WorkflowRun }),
    ...(result.step && { step: stepForRead(result.step, resolveData) as unknown as Step }),
    ...(result.hook && { hook: hookForRead(result.hook, resolveData) }),
    ...(result.events && {
      events: result.events.map((event) => eventForRead(event, resolveData)),
    }),
  };
}
