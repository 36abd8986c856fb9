import { InvalidInputError } from './errors.js';
import type {
  GetChunksOptions,
  StreamChunksResponse,
  StreamInfoResponse,
} from './schemas/streams.js';
import { RUN_SPEC_VERSION_MAX } from './spec-versions.js';
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

/** A World as the 5.x runtime loads it: the spec version it serves and the `streams` namespace. */
export type World5x<W extends World = World> = W & { specVersion: number; streams: Streams5x };

/** The spec versions of the 5.x line a Worldkit World serves (see ARCHITECTURE.md, "Two lines"). */
export const SPEC_VERSIONS_5X: readonly number[] = [4, RUN_SPEC_VERSION_MAX];

/** The env variable that picks the spec version of the 5.x face, when the factory is not told. */
export const SPEC_VERSION_ENV = 'WORKFLOW_SPEC_VERSION';

export interface Face5xOptions {
  /**
   * The spec version the face declares and stamps on the runs it creates: the one the app's
   * `@workflow/core` requires. Default: `WORKFLOW_SPEC_VERSION`, else the newest served.
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
      `the 5.x face serves spec versions ${SPEC_VERSIONS_5X.join(' and ')}, not ${String(raw)}`,
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
  return { ...world, specVersion, streams };
}
