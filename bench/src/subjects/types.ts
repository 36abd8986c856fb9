import type { World } from '@worldkit/world';

/** The storage family a subject belongs to: ratios compare subjects of the same backend. */
export type Backend = 'memory' | 'local' | 'postgres' | 'redis';

/**
 * Worldkit's own Worlds, the same Worlds built from another revision (`--baseline`), the upstream
 * Worlds users would pick instead, or a reference point.
 */
export type Family = 'worldkit' | 'baseline' | 'upstream' | 'reference' | 'raw';

/** The `workflow` runtime line whose World contract a World is measured under. */
export type Line = '4.x' | '5.x';

export interface OpenOptions {
  /** Names the isolated data (temp dir, schema, prefix) so leftovers are traceable. */
  label: string;
  /** Where queue deliveries go, for Worlds that take it as an option. */
  queueBaseUrl?: string;
}

/** One isolated instance of a World: fresh, empty data that `close()` removes. */
export interface OpenedWorld {
  world: World;
  /** What events are written with: the World's declared spec version, as the runtime does. */
  specVersion: number;
  /** Whether `lastKnownEventId` is enforced (the World declares the capability). */
  fenced: boolean;
  close(): Promise<void>;
}

/** Where one instance's data lives: the backend and its schema, key prefix or directory. */
export type StoreLocation =
  | { backend: 'postgres'; url: string; schema: string }
  | { backend: 'redis'; url: string; prefix: string }
  | { backend: 'local'; directory: string };

export interface StoreWorldOptions {
  /** Where queue deliveries go, for Worlds that take it as an option. */
  queueBaseUrl?: string;
  /** Further options for the World's factory (e.g. `recoverActiveRuns: false`). */
  worldOptions?: Record<string, unknown>;
}

/**
 * A World's isolated data, apart from any instance of it: several instances may be opened on it
 * one after another (each `world()` is a new instance), and `remove()` deletes the data.
 */
export interface WorldStore {
  location: StoreLocation;
  world(options?: StoreWorldOptions): World;
  remove(): Promise<void>;
}

/** How the e2e app runs a World: the WORKFLOW_TARGET_WORLD value and its isolated env. */
export interface RuntimeTarget {
  name: string;
  module: string;
  multiProcess: boolean;
  provision(label: string): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
}

interface SubjectBase {
  /** Stable id used in flags, tables and JSON. */
  id: string;
  /** The package (or tool) as a reader knows it. */
  label: string;
  backend: Backend;
  family: Family;
  /** Once per bench before the first use: fails when the subject cannot run here. */
  prepare?(): Promise<void>;
  /** Once per bench after the last use. */
  dispose?(): Promise<void>;
}

export interface WorldSubject extends SubjectBase {
  kind: 'world';
  /**
   * Absent for the 4.x line. A 5.x World writes at its own spec version like any other, but the
   * measurements made of 4.x parts of the contract (the `lastKnownEventId` fence, the 4.x stream
   * members) do not apply to it.
   */
  line?: Line;
  open(options: OpenOptions): Promise<OpenedWorld>;
  /** Present for Worlds whose data can outlive an instance (what `--scale` seeds and reopens). */
  createStore?(label: string): Promise<WorldStore>;
  /** Present when the real runtime can load this World through the e2e app. */
  runtime?: RuntimeTarget;
}

/** A server's own benchmark tool running a one-statement append: the physical reference. */
export interface RawAppendSubject extends SubjectBase {
  kind: 'raw';
  family: 'raw';
  /** Exactly what is run, for the report. */
  describe(): string;
  /** Appends per second with `clients` concurrent clients over about `windowMs`. */
  appendRate(clients: number, windowMs: number): Promise<number>;
}

export type Subject = WorldSubject | RawAppendSubject;

/** Thrown by `prepare`/`open` when a subject's package is not installed in this checkout. */
export class SubjectUnavailableError extends Error {
  override name = 'SubjectUnavailableError';
}
