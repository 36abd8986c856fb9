import { type AnyEventRequest, type LazyStepData, lazyStepDataOf } from '@worldkit/world';

/**
 * The creation data of a lazy step start (a `step_started` carrying the step's input), or
 * undefined for any other event: what tells the wire and the result apart from a plain start.
 */
export function lazyStepOf(event: AnyEventRequest): LazyStepData | undefined {
  return event.eventType === 'step_started' ? lazyStepDataOf(event) : undefined;
}
