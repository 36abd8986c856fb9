import {
  EntityNotFoundError,
  type Event,
  eventForRead,
  InvalidCursorError,
  isSafeId,
  pageOf,
  type Storage,
} from '@worldkit/world';
import { type StoreContext, transport } from '../store-context.js';
import { runsOfCorrelation } from './correlation.js';
import { readEvents, readWholeLog } from './event-log.js';
import { emptyPage } from './indexes.js';
import { eventFromRecord } from './records.js';

/** `events.get`, `events.list` (one page of a run's log) and `events.listByCorrelationId`. */
export function eventReads(store: StoreContext): Omit<Storage['events'], 'create'> {
  const { keys } = store;
  return {
    get: (runId, eventId, params) =>
      transport(async () => {
        if (!isSafeId(runId) || !isSafeId(eventId)) throw new EntityNotFoundError('event', eventId);
        const record = await store.redis().hgetBuffer(keys.run(runId).events, eventId);
        if (record === null) throw new EntityNotFoundError('event', eventId);
        return eventForRead(eventFromRecord(runId, eventId, record), params?.resolveData);
      }),

    list: (params) =>
      transport(async () => {
        const { runId, resolveData } = params;
        const page = pageOf('events', params.pagination);
        if (runId === undefined || !isSafeId(runId)) return emptyPage<Event>(page.cursor);
        const result = await readEvents(
          store,
          runId,
          page.cursor ?? null,
          page.sortOrder,
          page.limit,
        );
        if (result.badCursor) throw new InvalidCursorError(page.cursor!);
        const last = result.events.at(-1);
        return {
          data: result.events.map((event) => eventForRead(event, resolveData)),
          // "Strictly after this event": valid forever, non-null on the final page too.
          cursor: last?.eventId ?? page.cursor ?? null,
          hasMore: result.hasMore,
        };
      }),

    listByCorrelationId: (params) =>
      transport(async () => {
        const page = pageOf('events', params.pagination);
        const owners =
          params.runId === undefined
            ? await runsOfCorrelation(store, params.correlationId)
            : isSafeId(params.runId)
              ? [params.runId]
              : [];
        // Correlation ids have a handful of events each: filter the owners' logs (an
        // observability read the runtime never makes) instead of indexing every event twice.
        const logs = await Promise.all(owners.map((owner) => readWholeLog(store, owner)));
        const all = logs.flatMap((log) => log.events);
        const matching = all
          .filter((event) => event.correlationId === params.correlationId)
          .sort(compareAcrossRuns);
        if (page.sortOrder === 'desc') matching.reverse();
        let start = 0;
        const { cursor } = page;
        if (cursor !== undefined) {
          const position = positionOf(cursor);
          if (!all.some((event) => compareAcrossRuns(event, position) === 0)) {
            throw new InvalidCursorError(cursor);
          }
          const after = (event: Event) => {
            const order = compareAcrossRuns(event, position);
            return page.sortOrder === 'asc' ? order > 0 : order < 0;
          };
          start = matching.findIndex(after);
          if (start < 0) start = matching.length;
        }
        const data = matching.slice(start, start + page.limit);
        const last = data.at(-1);
        return {
          data: data.map((event) => eventForRead(event, params.resolveData)),
          cursor: last === undefined ? (cursor ?? null) : crossRunCursor(last),
          hasMore: start + page.limit < matching.length,
        };
      }),
  };
}

/**
 * Events of several runs in one total order: by id, then run id. Slot ids repeat across runs
 * (every slot run has an `evnt_…01`), so the id alone neither orders nor positions them.
 */
type EventPosition = Pick<Event, 'eventId' | 'runId'>;

function compareAcrossRuns(a: EventPosition, b: EventPosition): number {
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** A cross-run cursor: `<eventId>.<runId>` (neither contains a dot). */
function crossRunCursor(event: EventPosition): string {
  return `${event.eventId}.${event.runId}`;
}

function positionOf(cursor: string): EventPosition {
  const [eventId, runId, ...rest] = cursor.split('.');
  if (!eventId || !runId || rest.length > 0) throw new InvalidCursorError(cursor);
  return { eventId, runId };
}
