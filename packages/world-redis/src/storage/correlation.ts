import { isSafeId } from '@worldkit/world';
import type { StoreContext } from '../store-context.js';

/**
 * The correlation directory: which runs used a correlation id (a step, hook or wait id), for the
 * reads that are given one without its run id.
 */

/** The runs that used a correlation id, first user first. */
export async function runsOfCorrelation(
  store: StoreContext,
  correlationId: string,
): Promise<string[]> {
  if (!isSafeId(correlationId)) return [];
  const owners = await store.redis().hget(store.keys.global.correlation, correlationId);
  return owners === null ? [] : owners.split(' ');
}

/** The run that used a correlation id first. */
export async function runOfCorrelation(
  store: StoreContext,
  correlationId: string,
): Promise<string | undefined> {
  return (await runsOfCorrelation(store, correlationId))[0];
}
