import {
  type Event,
  eventForRead,
  InvalidCursorError,
  type PaginatedResponse,
  type PaginationOptions,
  pageOf,
  type ResolveData,
} from '@worldkit/world';

/**
 * One page of an append-ordered event list. The cursor is the id of the page's last event and
 * means "strictly after this event" in the requested order; it stays valid forever because events
 * are never removed, and the final page still carries it so a reader can resume later.
 */
export function eventPage(
  events: readonly Event[],
  positionOf: (eventId: string) => number | undefined,
  pagination: PaginationOptions | undefined,
  resolveData: ResolveData | undefined,
): PaginatedResponse<Event> {
  const { limit, sortOrder, cursor } = pageOf('events', pagination);
  let start: number;
  if (cursor === undefined) {
    start = sortOrder === 'asc' ? 0 : events.length - 1;
  } else {
    const position = positionOf(cursor);
    if (position === undefined) throw new InvalidCursorError(cursor);
    start = sortOrder === 'asc' ? position + 1 : position - 1;
  }
  const step = sortOrder === 'asc' ? 1 : -1;
  const data: Event[] = [];
  let index = start;
  for (; index >= 0 && index < events.length && data.length < limit; index += step) {
    data.push(structuredClone(eventForRead(events[index]!, resolveData)));
  }
  const hasMore = index >= 0 && index < events.length;
  const last = data.at(-1);
  return { data, cursor: last?.eventId ?? cursor ?? null, hasMore };
}
