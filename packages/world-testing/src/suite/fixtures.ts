import type {
  AnyEventRequest,
  CreateEventParams,
  Event,
  EventResult,
  World,
} from '@worldkit/world';
import { newHookId, newRunId, newStepId, newToken, uid, workflowName } from './names.js';

/** A serialized payload as the runtime writes it: a 4-byte format prefix and opaque bytes. */
export function payload(text = uid()): Uint8Array {
  return new TextEncoder().encode(`devl${text}`);
}

/** Every byte value, with the prefix: catches any text or base64 mangling. */
export function allBytes(): Uint8Array {
  const bytes = new Uint8Array(4 + 256 * 2);
  bytes.set(new TextEncoder().encode('devl'));
  for (let i = 0; i < 512; i++) bytes[4 + i] = i % 256;
  return bytes;
}

/** An event of a step, hook or wait, which `correlationId` names. */
function correlatedEvent<T extends string, D extends object>(
  eventType: T,
  correlationId: string,
  eventData: D,
) {
  return { eventType, specVersion: 3, correlationId, eventData };
}

/** A step's event, with the step's name in its data as the runtime writes it. */
function stepEvent<T extends string, D extends object>(eventType: T, stepId: string, data: D) {
  return correlatedEvent(eventType, stepId, { stepName: 'step//./conformance//work', ...data });
}

export const ev = {
  runCreated(
    options: {
      workflowName?: string;
      input?: Uint8Array;
      executionContext?: object;
      attributes?: Record<string, string>;
    } = {},
  ) {
    return {
      eventType: 'run_created' as const,
      specVersion: options.attributes === undefined ? 3 : 4,
      eventData: {
        deploymentId: 'dpl_conformance',
        workflowName: options.workflowName ?? workflowName(),
        input: options.input ?? payload(),
        ...(options.executionContext === undefined
          ? {}
          : { executionContext: options.executionContext as Record<string, unknown> }),
        ...(options.attributes === undefined ? {} : { attributes: options.attributes }),
      },
    };
  },
  runStarted(bootstrap?: { workflowName?: string; input?: Uint8Array }) {
    return {
      eventType: 'run_started' as const,
      specVersion: 3,
      ...(bootstrap === undefined
        ? {}
        : {
            eventData: {
              deploymentId: 'dpl_conformance',
              workflowName: bootstrap.workflowName ?? workflowName(),
              input: bootstrap.input ?? payload(),
            },
          }),
    };
  },
  runCompleted(output: Uint8Array = payload()) {
    return { eventType: 'run_completed' as const, specVersion: 3, eventData: { output } };
  },
  runFailed(message = 'boom', errorCode = 'USER_ERROR') {
    return {
      eventType: 'run_failed' as const,
      specVersion: 3,
      eventData: { error: { message, stack: `Error: ${message}\n    at conformance` }, errorCode },
    };
  },
  runCancelled() {
    return { eventType: 'run_cancelled' as const, specVersion: 3 };
  },
  stepCreated(stepId: string, input: Uint8Array = payload()) {
    return stepEvent('step_created', stepId, { input });
  },
  stepStarted(stepId: string) {
    return stepEvent('step_started', stepId, {});
  },
  /** A lazy start (5.x): carries the step's input, creating the step as it starts it. */
  stepStartedLazily(stepId: string, input: Uint8Array = payload()) {
    return { ...stepEvent('step_started', stepId, { input }), specVersion: 5 };
  },
  stepCompleted(stepId: string, result: Uint8Array = payload()) {
    return stepEvent('step_completed', stepId, { result });
  },
  stepFailed(stepId: string, error = 'step broke') {
    return stepEvent('step_failed', stepId, { error, stack: `Error: ${error}` });
  },
  stepRetrying(stepId: string, retryAfter?: Date, error = 'try again') {
    return stepEvent('step_retrying', stepId, {
      error,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  },
  hookCreated(
    hookId: string,
    token: string,
    options: { metadata?: Uint8Array; isWebhook?: boolean } = {},
  ) {
    return correlatedEvent('hook_created', hookId, {
      token,
      ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
      isWebhook: options.isWebhook ?? false,
    });
  },
  hookReceived(hookId: string, token: string, data: Uint8Array = payload()) {
    return correlatedEvent('hook_received', hookId, { token, payload: data });
  },
  hookDisposed(hookId: string, token: string) {
    return correlatedEvent('hook_disposed', hookId, { token });
  },
  waitCreated(waitId: string, resumeAt: Date) {
    return correlatedEvent('wait_created', waitId, { resumeAt });
  },
  waitCompleted(waitId: string, resumeAt?: Date) {
    return {
      eventType: 'wait_completed' as const,
      specVersion: 3,
      correlationId: waitId,
      ...(resumeAt === undefined ? {} : { eventData: { resumeAt } }),
    };
  },
};

/** `events.create` with the loose request types tests build. */
export function append(
  world: World,
  runId: string | null,
  event: AnyEventRequest | Record<string, unknown>,
  params?: CreateEventParams,
): Promise<EventResult> {
  return world.events.create(runId as string, event as never, params);
}

/** `event` written as the 5.x runtime writes it: at `specVersion`. */
export function at<E extends object>(specVersion: number, event: E): E & { specVersion: number } {
  return { ...event, specVersion };
}

/** A run created and started at `specVersion` (from 6 on, its events are numbered by slot). */
export async function slotRun(world: World, specVersion = 7): Promise<string> {
  const runId = newRunId();
  await append(world, runId, at(specVersion, ev.runCreated()));
  await append(world, runId, at(specVersion, ev.runStarted()));
  return runId;
}

/** Creates a run (optionally started) with a unique workflow name. */
export async function createRun(
  world: World,
  options: { started?: boolean; workflowName?: string; input?: Uint8Array; runId?: string } = {},
): Promise<string> {
  const runId = options.runId ?? newRunId();
  await append(world, runId, ev.runCreated(options));
  if (options.started ?? true) await append(world, runId, ev.runStarted());
  return runId;
}

/** A running run with one step (created with `input`), taken to `status`. */
export async function createRunWithStep(
  world: World,
  status: 'pending' | 'running' | 'completed' | 'failed',
  input?: Uint8Array,
) {
  const runId = await createRun(world);
  const stepId = newStepId();
  await append(world, runId, ev.stepCreated(stepId, input));
  if (status !== 'pending') await append(world, runId, ev.stepStarted(stepId));
  if (status === 'completed') await append(world, runId, ev.stepCompleted(stepId));
  if (status === 'failed') await append(world, runId, ev.stepFailed(stepId));
  return { runId, stepId };
}

/** A running run with an active hook, as a workflow waiting for a signal. */
export async function createRunWithHook(world: World, options?: { metadata?: Uint8Array }) {
  return addHook(world, await createRun(world), options);
}

/** A running run with a pending step and an active hook: an entity of each kind to write to. */
export async function createRunWithStepAndHook(world: World) {
  const { runId, stepId } = await createRunWithStep(world, 'pending');
  return { stepId, ...(await addHook(world, runId)) };
}

async function addHook(world: World, runId: string, options?: { metadata?: Uint8Array }) {
  const hookId = newHookId();
  const token = newToken();
  await append(world, runId, ev.hookCreated(hookId, token, options));
  return { runId, hookId, token };
}

/** The whole log of a run, paging with the World's own cursors. */
export async function allEvents(world: World, runId: string): Promise<Event[]> {
  const events: Event[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await world.events.list({
      runId,
      pagination: { limit: 1000, ...(cursor === undefined ? {} : { cursor }) },
    });
    events.push(...page.data);
    if (!page.hasMore) return events;
    if (!page.cursor) throw new Error('events.list returned hasMore without a cursor');
    cursor = page.cursor;
  }
}

/** Every item of a paginated list. */
export async function collect<T>(
  list: (
    cursor: string | undefined,
  ) => Promise<{ data: T[]; cursor: string | null; hasMore: boolean }>,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = await list(cursor);
    items.push(...page.data);
    if (!page.hasMore) return items;
    if (!page.cursor) throw new Error('a list returned hasMore without a cursor');
    cursor = page.cursor;
  }
  throw new Error('a list did not end after 10000 pages');
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An event's data as a plain record (absent for event types that carry none). */
export function dataOf(event: unknown): Record<string, unknown> | undefined {
  return (event as { eventData?: Record<string, unknown> } | undefined)?.eventData;
}

/**
 * `writeToStreamMulti`, or what the runtime does without it: one `writeToStream` per chunk, in
 * order. The member is optional, so the cases check the World's batch write when it has one and
 * the runtime's fallback when it does not.
 */
export function multiWriter(
  world: World,
): (name: string, runId: string, chunks: (string | Uint8Array)[]) => Promise<void> {
  if (world.writeToStreamMulti) return world.writeToStreamMulti.bind(world);
  return async (name, runId, chunks) => {
    for (const chunk of chunks) await world.writeToStream(name, runId, chunk);
  };
}
