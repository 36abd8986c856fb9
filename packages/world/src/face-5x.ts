import { type CancelManyRequest, type CancelManyResult, cancelMany } from './cancel-many.js';
import { InvalidInputError } from './errors.js';
import { eventSlotOf, slotEventId } from './ids.js';
import type { CreateEventParams } from './schemas/events.js';
import type { StructuredError } from './schemas/shared.js';
import type {
  GetChunksOptions,
  StreamChunksResponse,
  StreamInfoResponse,
} from './schemas/streams.js';
import { RUN_SPEC_VERSION_MAX } from './spec-versions.js';
import { type WaitForTerminalStatusParams, waitForTerminalStatus } from './wait-for-terminal.js';
import type { World } from './world.js';

/**
 * The `streams` namespace of the 5.x contract: the 4.x stream members, keyed by run first.
 * (`get` needs no run id: a stream name is unique across runs.)
 */
export interface Streams5x {
  write(runId: string, name: string, chunk: string | Uint8Array): Promise<void>;
  writeMulti?(runId: string, name: string, chunks: (string | Uint8Array)[]): Promise<void>;
  close(runId: string, name: string): Promise<void>;
  get(runId: string, name: string, startIndex?: number): Promise<ReadableStream<Uint8Array>>;
  list(runId: string): Promise<string[]>;
  getChunks(runId: string, name: string, options?: GetChunksOptions): Promise<StreamChunksResponse>;
  getInfo(runId: string, name: string): Promise<StreamInfoResponse>;
}

/** `events.create`'s parameters on the 5.x line: the writer's snapshot as an event count. */
export interface CreateEventParams5x extends CreateEventParams {
  /** How many events the writer's loaded log held: the slot it expects to land on, minus one. */
  eventCount?: number;
}

/**
 * `runs` on the 5.x line: the 4.x members, the long poll `await run.returnValue` uses, and the
 * bulk cancellation the SDK's `cancelRuns` (and so the CLI's bulk cancel) uses.
 */
export type Runs5x<W extends World = World> = W['runs'] & {
  waitForTerminalStatus: W['runs']['get'] &
    ((id: string, params?: WaitForTerminalStatusParams) => ReturnType<W['runs']['get']>);
  cancelMany(request: CancelManyRequest): Promise<CancelManyResult>;
};

/**
 * A World as the 5.x runtime loads it: the spec version it serves, the `streams` namespace and
 * the 5.x `runs`.
 */
export type World5x<W extends World = World> = Omit<W, 'runs'> & {
  specVersion: number;
  streams: Streams5x;
  runs: Runs5x<W>;
};

/** The spec versions of the 5.x line a Worldkit World serves (see ARCHITECTURE.md, "Two lines"). */
export const SPEC_VERSIONS_5X: readonly number[] = [4, 5, 6, RUN_SPEC_VERSION_MAX];

/** The env variable that picks the spec version of the 5.x face, when the factory is not told. */
export const SPEC_VERSION_ENV = 'WORKFLOW_SPEC_VERSION';

export interface Face5xOptions {
  /**
   * The spec version the face declares: the one the app's `@workflow/core` requires (the runtime
   * stamps it on the runs it creates). Default: `WORKFLOW_SPEC_VERSION`, else the newest served.
   */
  specVersion?: number;
}

/** The spec version a 5.x face serves: the option, else the env, else the newest; checked. */
export function specVersion5xOf(
  options: Face5xOptions = {},
  env: Record<string, string | undefined> = process.env,
): number {
  const raw = options.specVersion ?? env[SPEC_VERSION_ENV];
  const specVersion = raw === undefined || raw === '' ? RUN_SPEC_VERSION_MAX : Number(raw);
  if (!SPEC_VERSIONS_5X.includes(specVersion)) {
    throw new InvalidInputError(
      'specVersion',
      `the 5.x face serves spec versions ${SPEC_VERSIONS_5X.join(', ')}, not ${String(raw)}`,
    );
  }
  return specVersion;
}

/**
 * The 5.x face of a Worldkit World: the same store, queue and streams, declaring a 5.x spec
 * version and stamping it on the runs the runtime creates, with streams under `streams`. Runs
 * keep the spec version they were created under, so a 4.x app and a 5.x app may share one store.
 */
export function toWorld5x<W extends World>(world: W, options: Face5xOptions = {}): World5x<W> {
  const specVersion = specVersion5xOf(options);
  const streams: Streams5x = {
    write: (runId, name, chunk) => world.writeToStream(name, runId, chunk),
    close: (runId, name) => world.closeStream(name, runId),
    get: (_runId, name, startIndex) => world.readFromStream(name, startIndex),
    list: (runId) => world.listStreamsByRunId(runId),
    getChunks: (runId, name, options) => world.getStreamChunks(name, runId, options),
    getInfo: (runId, name) => world.getStreamInfo(name, runId),
  };
  const writeMulti = world.writeToStreamMulti;
  if (writeMulti !== undefined) {
    streams.writeMulti = (runId, name, chunks) => writeMulti(name, runId, chunks);
  }
  const create = bumpAndReport(world);
  const events = {
    ...world.events,
    create: (async (...args: Parameters<typeof create>) => {
      const result = await create(...args);
      return { ...result, run: as5x(result.run), step: as5x(result.step) };
    }) as typeof create,
  };
  const createBatch = world.events.createBatch;
  if (createBatch !== undefined) {
    events.createBatch = async (...args) => {
      const { results } = await createBatch(...args);
      return {
        results: results.map((item) =>
          'event' in item ? { ...item, run: as5x(item.run), step: as5x(item.step) } : item,
        ),
      };
    };
  }
  // Overloaded members: the wrappers take their arguments as given and return the same shapes.
  const get = (async (id: string, params?: object) =>
    as5x(await world.runs.get(id, params))) as W['runs']['get'];
  const runs = {
    ...world.runs,
    get,
    list: (async (params?: object) => pageAs5x(await world.runs.list(params))) as W['runs']['list'],
    waitForTerminalStatus: ((id: string, params?: WaitForTerminalStatusParams) =>
      waitForTerminalStatus({ get }, id, params)) as Runs5x<W>['waitForTerminalStatus'],
    cancelMany: (request: CancelManyRequest) => cancelMany(world, request),
  };
  const steps = {
    ...world.steps,
    get: (async (runId: string, stepId: string, params?: object) =>
      as5x(await world.steps.get(runId, stepId, params))) as W['steps']['get'],
    list: (async (params: object) =>
      pageAs5x(await world.steps.list(params as never))) as W['steps']['list'],
  };
  return { ...world, specVersion, streams, events, runs, steps };
}

/**
 * A run or step as the 5.x runtime reads it: an error it sent serialized comes back as those
 * bytes, with its code as `errorCode` (the stored form keeps both for 4.x readers too).
 */
function as5x<T>(entity: T): T {
  const error = (entity as { error?: StructuredError } | undefined)?.error;
  if (error?.serialized === undefined) return entity;
  const { code } = error;
  return {
    ...entity,
    error: error.serialized,
    ...(code === undefined ? {} : { errorCode: code }),
  } as T;
}

function pageAs5x<T extends { data: unknown[] }>(page: T): T {
  return { ...page, data: page.data.map(as5x) };
}

/**
 * `events.create` reporting what a stale writer skipped over ("bump and report"). A slot is
 * allocated where the event commits, so a write never fails because the slot after the writer's
 * `eventCount` was taken: it lands on the next free one, and the events in the slots between come
 * back on the result. They are read after the commit: slots below a committed one are committed
 * already and never change, so the report is exact without holding the run's lock.
 */
function bumpAndReport(world: World): World['events']['create'] {
  const create = world.events.create;
  return (async (runId: string | null, data: never, params?: CreateEventParams5x) => {
    const { eventCount, ...rest } = params ?? {};
    const result = await create(runId as string, data, rest);
    const slot = result.event === undefined ? undefined : eventSlotOf(result.event.eventId);
    // A result that carries the log already (run_started's preload) holds the skipped events.
    if (eventCount === undefined || slot === undefined || result.events !== undefined)
      return result;
    if (slot <= eventCount + 1) return result;
    const skipped = await world.events.list({
      runId: result.event!.runId,
      pagination: {
        limit: slot - eventCount - 1,
        sortOrder: 'asc',
        ...(eventCount > 0 ? { cursor: slotEventId(eventCount) } : {}),
      },
      ...(rest.resolveData === undefined ? {} : { resolveData: rest.resolveData }),
    });
    return { ...result, events: skipped.data, cursor: skipped.cursor, hasMore: false };
  }) as World['events']['create'];
}
