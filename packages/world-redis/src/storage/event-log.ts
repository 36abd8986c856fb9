import type { Event } from '@worldkit/world';
import type { StoreContext } from '../store-context.js';
import { eventFromRecord } from './records.js';

/** One page of a run's log (`lua/listEvents.lua`); `badCursor` when the cursor is not one of its events. */
export async function readEvents(
  store: StoreContext,
  runId: string,
  cursor: string | null,
  order: 'asc' | 'desc',
  limit: number,
): Promise<{ events: Event[]; hasMore: boolean; badCursor?: true }> {
  const keys = store.keys.run(runId);
  const reply = (await store.call(
    'listEvents',
    [keys.eventOrder, keys.events],
    [cursor ?? '', order, limit],
  )) as Buffer[];
  if (reply[0]?.toString() === 'BADCURSOR') return { events: [], hasMore: false, badCursor: true };
  const hasMore = reply[0]!.toString() === '1';
  const events: Event[] = [];
  for (let i = 1; i + 1 < reply.length; i += 2) {
    events.push(eventFromRecord(runId, reply[i]!.toString(), reply[i + 1]!));
  }
  return { events, hasMore };
}

/** A run's whole log, ascending, with the cursor after its last event. */
export async function readWholeLog(
  store: StoreContext,
  runId: string,
): Promise<{ events: Event[]; cursor: string | null }> {
  const events: Event[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page = await readEvents(store, runId, cursor, 'asc', 1000);
    events.push(...page.events);
    if (page.events.length > 0) cursor = page.events.at(-1)!.eventId;
    if (!page.hasMore) return { events, cursor };
  }
}
