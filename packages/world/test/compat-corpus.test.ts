import * as upstream from '@workflow/world';
import { describe, expect, it } from 'vitest';
import {
  CreateEventSchema,
  decodeBinary,
  EVENT_TYPES,
  EventSchema,
  encodeBinary,
  HookSchema,
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
