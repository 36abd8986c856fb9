import type { Refusal } from '../refusal.js';
import type { CreateEventParams } from '../schemas/events.js';
import type { RunState } from './types.js';

/**
 * The two fences every event passes before its own rules, in this order: the `stateUpdatedAt`
 * guard (refused when an external event landed after the writer's snapshot), then the
 * `lastKnownEventId` compare-and-set on the run's newest event. They are the same for every
 * event, so they are code here (and in each World's native append) rather than rows of the
 * rules table.
 */
export function fenceRefusalOf(
  runId: string,
  state: RunState | undefined,
  params: Pick<CreateEventParams, 'stateUpdatedAt' | 'lastKnownEventId'>,
): Refusal | undefined {
  const { stateUpdatedAt, lastKnownEventId } = params;
  const marker = state?.externalMarker;
  if (stateUpdatedAt !== undefined && marker !== undefined && stateUpdatedAt < marker) {
    return {
      code: 'PRECONDITION_FAILED',
      message: `run ${runId} received an external event at ${marker}, after the writer's snapshot at ${stateUpdatedAt}`,
    };
  }
  if (lastKnownEventId !== undefined && lastKnownEventId !== state?.lastEventId) {
    return { code: 'FENCE_CONFLICT', detail: state?.lastEventId };
  }
  return undefined;
}
