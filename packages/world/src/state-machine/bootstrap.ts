import type { AnyEventRequest, RunCreatedEventRequest } from '../schemas/events.js';

type RunStartedEventRequest = Extract<AnyEventRequest, { eventType: 'run_started' }>;

/**
 * Resilient start: a run's first message carries its creation data, so a `run_started` for a run
 * whose `run_created` never landed creates it (with a synthetic `run_created` event) first. The
 * creation data such a `run_started` carries, or undefined when it cannot create the run.
 */
export function bootstrapDataOf(
  event: RunStartedEventRequest,
): RunCreatedEventRequest['eventData'] | undefined {
  const data = event.eventData;
  if (
    data?.deploymentId === undefined ||
    data.workflowName === undefined ||
    data.input === undefined
  ) {
    return undefined;
  }
  return {
    deploymentId: data.deploymentId,
    workflowName: data.workflowName,
    input: data.input,
    ...(data.executionContext === undefined ? {} : { executionContext: data.executionContext }),
  };
}

type StepStartedEventRequest = Extract<AnyEventRequest, { eventType: 'step_started' }>;

/** The creation data of a lazy step start: what its synthetic `step_created` carries. */
export interface LazyStepData {
  stepName: string;
  workflowName?: string;
  input: unknown;
}

/**
 * Lazy step start (the 5.x runtime's inline steps): a `step_started` carrying the step's creation
 * data creates the step and starts it in one write, with a synthetic `step_created` event before
 * its own. It is the step's create-claim: refused with `CONFLICT` when the step already exists,
 * so that exactly one caller runs the step. The creation data, or undefined for a plain start.
 */
export function lazyStepDataOf(event: StepStartedEventRequest): LazyStepData | undefined {
  const data = event.eventData;
  if (data?.input === undefined || data.stepName === undefined) return undefined;
  return {
    stepName: data.stepName,
    ...(data.workflowName === undefined ? {} : { workflowName: data.workflowName }),
    input: data.input,
  };
}
