import type { Event, Hook, Step, WorkflowRun, World } from '@worldkit/world';
import { expect } from 'vitest';
import { allEvents, collect } from './fixtures.js';

export interface ExpectedError {
  /** The class name the runtime matches (`EntityConflictError`, `WorkflowWorldError`, …). */
  name: string;
  status?: number;
  code?: string;
  /** For `InvalidInputError`s: the offending field, when the World reports one. */
  field?: string;
}

function describeError(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { name, status, code, field, message } = error as Record<string, unknown>;
  return JSON.stringify({ name, status, code, field, message });
}

/** Awaits `promise`, which must reject with an error of the given name (and status/code). */
export async function expectRejects(
  what: string,
  call: Promise<unknown> | (() => unknown),
  expected: ExpectedError,
): Promise<Record<string, unknown>> {
  let outcome: { resolved: unknown } | { error: unknown };
  try {
    // A call may also throw synchronously: inside the runtime's async code that is a rejection.
    outcome = { resolved: await (typeof call === 'function' ? call() : call) };
  } catch (error) {
    outcome = { error };
  }
  if ('resolved' in outcome) {
    throw new Error(
      `${what}: expected a ${expected.name}${expected.status ? ` (status ${expected.status})` : ''}, but it succeeded with ${safeJson(outcome.resolved)}`,
    );
  }
  const error = outcome.error as Record<string, unknown>;
  const mismatch =
    typeof error !== 'object' ||
    error === null ||
    error.name !== expected.name ||
    (expected.status !== undefined && error.status !== expected.status) ||
    (expected.code !== undefined && error.code !== expected.code) ||
    (expected.field !== undefined &&
      error.field !== undefined &&
      !sameField(error.field, expected.field));
  if (mismatch) {
    throw new Error(
      `${what}: expected ${JSON.stringify(expected)}, got ${describeError(outcome.error)}`,
    );
  }
  return error;
}

/**
 * Field names are compared by their last segment: one World reports `opts.idempotencyKey`,
 * another `idempotencyKey`; both name the field.
 */
function sameField(actual: unknown, expected: string): boolean {
  return typeof actual === 'string' && actual.split('.').at(-1) === expected.split('.').at(-1);
}

/** Bad input: a status-400 `WorkflowWorldError` naming the field when the World reports one. */
export function expectInvalid(
  what: string,
  call: Promise<unknown> | (() => unknown),
  field?: string,
) {
  return expectRejects(what, call, {
    name: 'WorkflowWorldError',
    status: 400,
    ...(field === undefined ? {} : { field }),
  });
}

/** Everything readable about one run: what a rejected write must leave exactly as it was. */
export interface RunSnapshot {
  run: WorkflowRun | undefined;
  events: Event[];
  steps: Step[];
  hooks: Hook[];
}

export async function snapshotRun(world: World, runId: string): Promise<RunSnapshot> {
  let run: WorkflowRun | undefined;
  try {
    run = await world.runs.get(runId);
  } catch (error) {
    if ((error as Error).name !== 'WorkflowRunNotFoundError') throw error;
  }
  if (run === undefined) return { run, events: [], steps: [], hooks: [] };
  const [events, steps, hooks] = await Promise.all([
    allEvents(world, runId),
    collect((cursor) =>
      world.steps.list({ runId, pagination: { ...(cursor === undefined ? {} : { cursor }) } }),
    ),
    collect((cursor) =>
      world.hooks.list({ runId, pagination: { ...(cursor === undefined ? {} : { cursor }) } }),
    ),
  ]);
  return { run, events, steps, hooks };
}

/** Runs `write`, which must be rejected as `expected`, and checks that the run did not change. */
export async function expectRejectedWithoutEffect(
  world: World,
  runId: string,
  what: string,
  write: () => Promise<unknown>,
  expected: ExpectedError,
): Promise<Record<string, unknown>> {
  const before = await snapshotRun(world, runId);
  const error = await expectRejects(what, write(), expected);
  const after = await snapshotRun(world, runId);
  expect(after, `${what}: the rejected write changed the run's log or entities`).toEqual(before);
  return error;
}

export function expectBytes(actual: unknown, expected: Uint8Array, what: string): void {
  expect(
    actual instanceof Uint8Array,
    `${what}: expected a Uint8Array, got ${describeValue(actual)}`,
  ).toBe(true);
  expect(
    Buffer.from(actual as Uint8Array).equals(Buffer.from(expected)),
    `${what}: bytes differ (got ${(actual as Uint8Array).byteLength} bytes, expected ${expected.byteLength})`,
  ).toBe(true);
}

export function expectDate(actual: unknown, expectedMs: number | undefined, what: string): void {
  expect(actual instanceof Date, `${what}: expected a Date, got ${describeValue(actual)}`).toBe(
    true,
  );
  expect(Number.isNaN((actual as Date).getTime()), `${what}: invalid Date`).toBe(false);
  if (expectedMs !== undefined) {
    expect((actual as Date).getTime(), `${what}: not millisecond-exact`).toBe(expectedMs);
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value).slice(0, 40)}`;
  return `${value.constructor?.name ?? 'object'} ${safeJson(value).slice(0, 60)}`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
