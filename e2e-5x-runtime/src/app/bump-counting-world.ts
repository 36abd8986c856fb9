/**
 * A World module for `WORKFLOW_TARGET_WORLD`: the 5.x face named by `E2E_5X_COUNTED_WORLD` (a
 * file URL of a Worldkit World's `dist/v5.js`) with `events.create` counting "bumps reported to
 * the runtime": writes that named the writer's slot (`params.eventCount`) and came back with the
 * events the writer had not seen (a non-empty `events`). Behaviour is unchanged.
 */
import { bumpCounters } from './bump-counter.ts';

interface CreatedEvent {
  runId: string;
  eventId: string;
}

type EventsCreate = (
  runId: string | null,
  data: { eventType: string },
  params?: { eventCount?: number },
) => Promise<{ event?: CreatedEvent; events?: CreatedEvent[] }>;

interface CountedWorld {
  events: { create: EventsCreate };
}

function increment(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

export async function createWorld(): Promise<CountedWorld> {
  const specifier = process.env.E2E_5X_COUNTED_WORLD;
  if (!specifier) throw new Error('E2E_5X_COUNTED_WORLD must name the World module to count');
  const { createWorld: createCounted } = (await import(specifier)) as {
    createWorld: () => CountedWorld;
  };
  // The 5.x face is a plain object (toWorld5x spreads the World), so a spread keeps it whole.
  const world = createCounted();
  const counters = bumpCounters();
  // Every event this process committed, to tell its own writes from other writers' in a report.
  const committedHere = new Set<string>();
  const keyOf = (event: CreatedEvent) => `${event.runId}/${event.eventId}`;

  const create: EventsCreate = async (runId, data, params) => {
    const result = await world.events.create(runId, data, params);
    if (result.event) committedHere.add(keyOf(result.event));
    if (params?.eventCount !== undefined) {
      increment(counters.writesWithEventCount, data.eventType);
      if (Array.isArray(result.events) && result.events.length > 0) {
        increment(counters.bumps, data.eventType);
        counters.skippedEvents += result.events.length;
        counters.foreignSkippedEvents += result.events.filter(
          (event) => !committedHere.has(keyOf(event)),
        ).length;
      }
    }
    return result;
  };
  return { ...world, events: { ...world.events, create } };
}

export default createWorld;
