/**
 * What the bump-counting World saw, kept on `globalThis` so the control surface reads the same
 * counters whichever module instance the runtime loaded the World through.
 */
export interface BumpCounters {
  /** `events.create` calls that named a slot (`params.eventCount`), by event type. */
  writesWithEventCount: Record<string, number>;
  /** Of those, the results that came back with skipped events (`events` non-empty), by type. */
  bumps: Record<string, number>;
  /** The skipped events those results carried, in all. */
  skippedEvents: number;
  /**
   * Of those, the ones another writer committed: another process, or an `events.create` of this
   * one that had not returned yet when the report was read. The rest are the writer's own
   * concurrent writes (the runtime writes `hook_disposed` and the next `hook_created` from one
   * snapshot, for instance), which the report hands back just the same.
   */
  foreignSkippedEvents: number;
}

const key = Symbol.for('e2e-5x-runtime/bump-counters');

export function bumpCounters(): BumpCounters {
  const holder = globalThis as { [key]?: BumpCounters };
  holder[key] ??= {
    writesWithEventCount: {},
    bumps: {},
    skippedEvents: 0,
    foreignSkippedEvents: 0,
  };
  return holder[key];
}
