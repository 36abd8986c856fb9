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
