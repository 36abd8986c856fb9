import * as upstream from '@workflow/world';
import { describe, expect, it } from 'vitest';
import {
  CreateEventSchema,
  DEFAULT_SORT_ORDER,
  decodeBinary,
  EVENT_TYPES,
  EventSchema,
  encodeBinary,
  HookSchema,
  type PaginationOptions,
  pageOf,
  parseJsonSafe,
  StepSchema,
  stringifyJsonSafe,
  validateCreateEvent,
  WaitSchema,
  WorkflowRunSchema,
} from '../src/index.js';
import { expectExact } from './exact.js';
import {
  corpusEventTypes,
  createRequests,
  hooks,
  runs,
  steps,
  storedEvents,
  waits,
} from './fixtures/runtime-corpus.js';

/** Each corpus row with the schema pair (ours, upstream 4.5.0) it must pass. */
const entityRows = [
  ...runs.map(({ name, run }) => ({
    name: `run ${name}`,
    value: run,
    ours: WorkflowRunSchema,
    theirs: upstream.WorkflowRunSchema,
  })),
  ...steps.map(({ name, step }) => ({
    name: `step ${name}`,
    value: step,
    ours: StepSchema,
    theirs: upstream.StepSchema,
  })),
  ...hooks.map(({ name, hook }) => ({
    name: `hook ${name}`,
    value: hook,
    ours: HookSchema,
    theirs: upstream.HookSchema,
  })),
  ...waits.map(({ name, wait }) => ({
    name: `wait ${name}`,
    value: wait,
    ours: WaitSchema,
    theirs: upstream.WaitSchema,
  })),
];

const everyValue = [
  ...createRequests.map(({ name, request }) => ({ name: `request ${name}`, value: request })),
  ...storedEvents.map(({ name, event }) => ({ name: `event ${name}`, value: event })),
  ...entityRows.map(({ name, value }) => ({ name, value })),
];

describe('runtime 4.8.9 corpus', () => {
  it('covers every event type and every run status', () => {
    expect([...corpusEventTypes].sort()).toEqual([...EVENT_TYPES].sort());
    expect(new Set(runs.map(({ run }) => run.status))).toEqual(
      new Set(['pending', 'running', 'completed', 'failed', 'cancelled']),
    );
  });

  it.each(createRequests)(
    'create request "$name" passes both CreateEventSchemas unchanged',
    ({ request }) => {
      expectExact(CreateEventSchema.parse(request), request);
      expectExact(upstream.CreateEventSchema.parse(request), request);
    },
  );

  it.each(createRequests)(
    'create request "$name" passes validateCreateEvent',
    ({ runId, request }) => {
      const validated = validateCreateEvent(runId, request, {});
      expectExact(validated.event, request);
      if (runId === null) expect(validated.runId).toMatch(/^wrun_[0-9A-HJKMNP-TV-Z]{26}$/);
      else expect(validated.runId).toBe(runId);
    },
  );

  it.each(storedEvents)('stored event "$name" passes both EventSchemas unchanged', ({ event }) => {
    expectExact(EventSchema.parse(event), event);
    expectExact(upstream.EventSchema.parse(event), event);
  });

  it.each(entityRows)('$name passes both entity schemas unchanged', ({ value, ours, theirs }) => {
    expectExact(ours.parse(value), value);
    expectExact(theirs.parse(value), value);
  });

  it.each(everyValue)(
    '$name round-trips byte- and ms-exactly through encodeBinary',
    ({ value }) => {
      expectExact(decodeBinary(encodeBinary(value)), value);
    },
  );

  it.each(everyValue)(
    '$name round-trips byte- and ms-exactly through the JSON codec',
    ({ value }) => {
      expectExact(parseJsonSafe(stringifyJsonSafe(value)), value);
    },
  );

  it('keeps a decoded event readable by both schemas', () => {
    for (const { event } of storedEvents) {
      const decoded = decodeBinary(encodeBinary(event));
      expectExact(upstream.EventSchema.parse(decoded), event);
      expectExact(EventSchema.parse(parseJsonSafe(stringifyJsonSafe(event))), event);
    }
  });
});

/**
 * `pagination` as the SDK's tools send it (CLI 4.3.13, web UI 4.1.25, core 4.8.9): the CLI asks for
 * a first page with `cursor: ''`, the web UI with `cursor: undefined`, core's helpers with none.
 */
const clientPages = [
  {
    client: 'workflow inspect <list>',
    kind: 'runs',
    pagination: { sortOrder: 'desc', cursor: '', limit: 20 },
  },
  {
    client: 'workflow inspect events',
    kind: 'events',
    pagination: { sortOrder: 'desc', cursor: '', limit: 20 },
  },
  {
    client: 'workflow inspect sleeps',
    kind: 'events',
    pagination: { sortOrder: 'desc', limit: 1000 },
  },
  { client: 'workflow cancel --status', kind: 'runs', pagination: { limit: 50 } },
  {
    client: 'web UI runs list',
    kind: 'runs',
    pagination: { cursor: undefined, limit: 10, sortOrder: 'desc' },
  },
  {
    client: 'web UI steps',
    kind: 'steps',
    pagination: { cursor: undefined, limit: 100, sortOrder: 'asc' },
  },
  {
    client: 'web UI hooks',
    kind: 'hooks',
    pagination: { cursor: undefined, limit: 10, sortOrder: 'desc' },
  },
  { client: 'a JSON client', kind: 'events', pagination: { cursor: null, limit: 5 } },
] as const;

describe('list pagination as the SDK tools send it', () => {
  it.each(clientPages)(
    '$client: a first page of the size and order asked for',
    ({ kind, pagination }) => {
      const page = pageOf(kind, pagination as PaginationOptions);
      expect(page.cursor).toBeUndefined();
      expect(page.limit).toBe(pagination.limit);
      expect(page.sortOrder).toBe(
        'sortOrder' in pagination ? pagination.sortOrder : DEFAULT_SORT_ORDER[kind],
      );
    },
  );

  it('keeps a cursor a World returned', () => {
    expect(pageOf('runs', { cursor: 'r.wrun_01J', limit: 2 }).cursor).toBe('r.wrun_01J');
  });
});
