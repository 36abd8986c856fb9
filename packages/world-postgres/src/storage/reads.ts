import {
  assertSafeId,
  EntityNotFoundError,
  type Event,
  eventForRead,
  type GetEventParams,
  type GetHookParams,
  type GetStepParams,
  type GetWorkflowRunParams,
  type Hook,
  type HookLookup,
  HookNotFoundError,
  hookForRead,
  InvalidCursorError,
  isHookToken,
  isPrefixedUlid,
  isSafeId,
  type ListEventsByCorrelationIdParams,
  type ListEventsParams,
  type ListHooksParams,
  type ListWorkflowRunStepsParams,
  type ListWorkflowRunsParams,
  type PaginatedResponse,
  type PaginationOptions,
  pageOf,
  runForRead,
  type Step,
  stepForRead,
  type WorkflowRun,
  WorkflowRunNotFoundError,
} from '@worldkit/world';
import type { QueryResultRow } from 'pg';
import type { Database } from '../database.js';
import {
  type EventRow,
  eventColumns,
  eventFromRow,
  type HookRow,
  hookColumns,
  hookFromRow,
  type RunRow,
  runColumns,
  runFromRow,
  type StepRow,
  stepColumns,
  stepFromRow,
} from './rows.js';

/** Payload columns are only fetched for 'all' reads: `$n` is the boolean "resolve data". */
const eventSelection = (schema: string, resolve: string) =>
  `${eventColumns(schema)}, CASE WHEN ${resolve} THEN payload END AS payload`;

export async function getRun(
  db: Database,
  runId: string,
  params: GetWorkflowRunParams = {},
): Promise<WorkflowRun> {
  if (!isSafeId(runId)) throw new WorkflowRunNotFoundError(String(runId));
  const row = await theRow<RunRow>(
    db,
    `SELECT ${runColumns(db.schema)} FROM ${db.schema}.runs WHERE run_id = $1`,
    [runId],
    () => new WorkflowRunNotFoundError(runId),
  );
  return runForRead(runFromRow(row), params.resolveData);
}

export async function getStep(
  db: Database,
  runId: string | undefined,
  stepId: string,
  params: GetStepParams = {},
): Promise<Step> {
  if (!isSafeId(stepId) || (runId !== undefined && !isSafeId(runId))) {
    throw new EntityNotFoundError('step', String(stepId));
  }
  const [where, values] =
    runId === undefined
      ? ['step_id = $1 ORDER BY run_id LIMIT 1', [stepId]]
      : ['run_id = $1 AND step_id = $2', [runId, stepId]];
  const row = await theRow<StepRow>(
    db,
    `SELECT ${stepColumns(db.schema)} FROM ${db.schema}.steps WHERE ${where}`,
    values,
    () => new EntityNotFoundError('step', stepId),
  );
  return stepForRead(stepFromRow(row), params.resolveData);
}

export async function getEvent(
  db: Database,
  runId: string,
  eventId: string,
  params: GetEventParams = {},
): Promise<Event> {
  if (!isSafeId(runId) || !isSafeId(eventId))
    throw new EntityNotFoundError('event', String(eventId));
  const resolve = params.resolveData !== 'none';
  const row = await theRow<EventRow>(
    db,
    `SELECT ${eventSelection(db.schema, '$3')} FROM ${db.schema}.events WHERE run_id = $1 AND event_id = $2`,
    [runId, eventId, resolve],
    () => new EntityNotFoundError('event', eventId),
  );
  return eventForRead(eventFromRow(row), params.resolveData);
}

export async function getHook(db: Database, hookId: string, params: GetHookParams = {}) {
  return findHook(db, { hookId: String(hookId) }, isSafeId(hookId), params);
}

export async function getHookByToken(db: Database, token: string, params: GetHookParams = {}) {
  // No hook holds a token the shared rule refuses; PostgreSQL would refuse a NUL in the query.
  return findHook(db, { token: String(token) }, isHookToken(token), params);
}

/** The hook with that id or token; one no hook could have (`possible` false) is not looked for. */
async function findHook(
  db: Database,
  lookup: HookLookup,
  possible: boolean,
  params: GetHookParams,
): Promise<Hook> {
  if (!possible) throw new HookNotFoundError(lookup);
  const [where, value] =
    'hookId' in lookup
      ? ['hook_id = $1 ORDER BY run_id LIMIT 1', lookup.hookId]
      : ['md5(token) = md5($1) AND token = $1', lookup.token];
  const row = await theRow<HookRow>(
    db,
    `SELECT ${hookColumns(db.schema)} FROM ${db.schema}.hooks WHERE ${where}`,
    [value],
    () => new HookNotFoundError(lookup),
  );
  return hookForRead(hookFromRow(row), params.resolveData);
}

export async function listRuns(
  db: Database,
  params: ListWorkflowRunsParams = {},
): Promise<PaginatedResponse<WorkflowRun>> {
  const page = pageOf('runs', params.pagination);
  // No run holds a name with NUL (the shared validation refuses it), and PostgreSQL text could
  // not even compare one: such a filter matches nothing, as on every World.
  if (params.workflowName?.includes('\u0000')) return { data: [], cursor: null, hasMore: false };
  // Run cursors are "r.<runId>": a run id alone would make any safe id look like a cursor.
  let cursor: string | undefined;
  if (page.cursor !== undefined) {
    cursor = page.cursor.startsWith('r.') ? page.cursor.slice(2) : undefined;
    if (cursor === undefined || !isSafeId(cursor)) throw new InvalidCursorError(page.cursor);
  }
  const values: unknown[] = [page.limit + 1];
  const where: string[] = [];
  if (params.workflowName !== undefined) {
    values.push(params.workflowName);
    where.push(`workflow_name = $${values.length}`);
  }
  if (params.status !== undefined) {
    values.push(params.status);
    where.push(`status = $${values.length}`);
  }
  if (cursor !== undefined) {
    values.push(cursor);
    where.push(`run_id ${comparisonAfter(page.sortOrder)} $${values.length}`);
  }
  const { rows } = await db.query<RunRow>(
    `SELECT ${runColumns(db.schema)} FROM ${db.schema}.runs
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY run_id ${page.sortOrder} LIMIT $1`,
    values,
  );
  return paginate(
    rows,
    page.limit,
    (row) => runForRead(runFromRow(row), params.resolveData),
    (row) => `r.${row.run_id}`,
  );
}

export async function listSteps(
  db: Database,
  params: ListWorkflowRunStepsParams,
): Promise<PaginatedResponse<Step>> {
  const { page, cursor, comparison } = runPage('steps', params);
  const { rows } = await db.query<StepRow & { created_event_id: string }>(
    `SELECT ${stepColumns(db.schema)} FROM ${db.schema}.steps
     WHERE run_id = $1 AND ($2::text IS NULL OR created_event_id ${comparison} $2)
     ORDER BY created_event_id ${page.sortOrder} LIMIT $3`,
    [params.runId, cursor ?? null, page.limit + 1],
  );
  return paginate(
    rows,
    page.limit,
    (row) => stepForRead(stepFromRow(row), params.resolveData),
    (row) => row.created_event_id,
  );
}

export async function listEvents(
  db: Database,
  params: ListEventsParams,
): Promise<PaginatedResponse<Event>> {
  const { page, cursor, comparison } = runPage('events', params);
  const { rows } = await db.query<EventRow>(
    `SELECT ${eventSelection(db.schema, '$4')} FROM ${db.schema}.events
     WHERE run_id = $1 AND ($2::text IS NULL OR event_id ${comparison} $2)
     ORDER BY event_id ${page.sortOrder} LIMIT $3`,
    [params.runId, cursor ?? null, page.limit + 1, params.resolveData !== 'none'],
  );
  return paginate(
    rows,
    page.limit,
    (row) => eventForRead(eventFromRow(row), params.resolveData),
    (row) => row.event_id,
    { requested: cursor },
  );
}

export async function listEventsByCorrelationId(
  db: Database,
  params: ListEventsByCorrelationIdParams,
): Promise<PaginatedResponse<Event>> {
  assertSafeId(params.correlationId, 'correlationId');
  if (params.runId !== undefined) assertSafeId(params.runId, 'runId');
  const page = pageOf('events', params.pagination);
  const after = crossRunCursor(page.cursor);
  const comparison = comparisonAfter(page.sortOrder);
  const { rows } = await db.query<EventRow>(
    `SELECT ${eventSelection(db.schema, '$6')} FROM ${db.schema}.events
     WHERE correlation_id = $1 AND ($2::text IS NULL OR run_id = $2)
       AND ($3::text IS NULL OR (event_id, run_id) ${comparison} ($3, $4))
     ORDER BY event_id ${page.sortOrder}, run_id ${page.sortOrder} LIMIT $5`,
    [
      params.correlationId,
      params.runId ?? null,
      after?.[0] ?? null,
      after?.[1] ?? null,
      page.limit + 1,
      params.resolveData !== 'none',
    ],
  );
  return paginate(
    rows,
    page.limit,
    (row) => eventForRead(eventFromRow(row), params.resolveData),
    (row) => `${row.event_id}.${row.run_id}`,
    { requested: page.cursor },
  );
}

export async function listHooks(
  db: Database,
  params: ListHooksParams = {},
): Promise<PaginatedResponse<Hook>> {
  if (params.runId !== undefined) assertSafeId(params.runId, 'runId');
  const page = pageOf('hooks', params.pagination);
  const after = crossRunCursor(page.cursor);
  const comparison = comparisonAfter(page.sortOrder);
  const { rows } = await db.query<HookRow & { created_event_id: string }>(
    `SELECT ${hookColumns(db.schema)} FROM ${db.schema}.hooks
     WHERE ($1::text IS NULL OR run_id = $1)
       AND ($2::text IS NULL OR (created_event_id, run_id) ${comparison} ($2, $3))
     ORDER BY created_event_id ${page.sortOrder}, run_id ${page.sortOrder} LIMIT $4`,
    [params.runId ?? null, after?.[0] ?? null, after?.[1] ?? null, page.limit + 1],
  );
  return paginate(
    rows,
    page.limit,
    (row) => hookForRead(hookFromRow(row), params.resolveData),
    (row) => `${row.created_event_id}.${row.run_id}`,
  );
}

/** The row a `get` reads; `notFound()` is thrown when there is none. */
async function theRow<Row extends QueryResultRow>(
  db: Database,
  sql: string,
  values: unknown[],
  notFound: () => Error,
): Promise<Row> {
  const { rows } = await db.query<Row>(sql, values);
  if (rows[0] === undefined) throw notFound();
  return rows[0];
}

/** The operator that keeps the rows after a cursor, in a page's order. */
function comparisonAfter(sortOrder: 'asc' | 'desc'): '>' | '<' {
  return sortOrder === 'asc' ? '>' : '<';
}

/** The page of a list within one run (events, steps), positioned by event id. */
function runPage(
  kind: 'events' | 'steps',
  params: { runId: string; pagination?: PaginationOptions },
) {
  assertSafeId(params.runId, 'runId');
  const page = pageOf(kind, params.pagination);
  return { page, cursor: eventCursor(page.cursor), comparison: comparisonAfter(page.sortOrder) };
}

/**
 * Positions across runs (events by correlation id, hooks): "<eventId>.<runId>", neither of which
 * contains a dot.
 */
function crossRunCursor(cursor: string | undefined): [string, string] | undefined {
  if (cursor === undefined) return undefined;
  const [eventId, runId, extra] = cursor.split('.');
  if (extra !== undefined || !isPrefixedUlid(eventId ?? '', 'event') || !isSafeId(runId)) {
    throw new InvalidCursorError(cursor);
  }
  return [eventId!, runId!];
}

/** Event-id cursors: positions that stay valid forever, since event ids are never reused. */
function eventCursor(cursor: string | undefined): string | undefined {
  if (cursor !== undefined && !isPrefixedUlid(cursor, 'event'))
    throw new InvalidCursorError(cursor);
  return cursor;
}

/**
 * One page from `limit + 1` rows. Event lists pass `eventPosition`: their cursor stays non-null
 * on the final page (the position of the last event, or the position asked for when nothing came
 * after it), because readers resume from it later.
 */
function paginate<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  positionOf: (row: Row) => string,
  eventPosition?: { requested: string | undefined },
): PaginatedResponse<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  let cursor: string | null = last === undefined ? null : positionOf(last);
  if (eventPosition !== undefined) cursor ??= eventPosition.requested ?? null;
  else if (!hasMore) cursor = null;
  return { data: pageRows.map(toItem), cursor, hasMore };
}
