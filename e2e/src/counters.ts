/**
 * Refusal counters shared between the counting World wrapper (loaded by the runtime) and the
 * control surface (loaded by the server): both live in the same process but are separate module
 * graphs, so the counters sit on `globalThis`.
 */
export interface RefusalCounters {
  /** `events.create` calls, by event type. */
  creates: Record<string, number>;
  /** `events.create` refusals, keyed `name` or `name/code`, then by event type. */
  refusals: Record<string, Record<string, number>>;
  /** Workflow re-invocations the runtime queued to recover from a replay divergence. */
  divergenceRecoveries: number;
}

const key = Symbol.for('worldkit.e2e.refusal-counters');

export function refusalCounters(): RefusalCounters {
  const holder = globalThis as { [key]?: RefusalCounters };
  holder[key] ??= { creates: {}, refusals: {}, divergenceRecoveries: 0 };
  return holder[key];
}

/** The key a refusal is counted under: the error's name, plus its code when it has one. */
export function refusalKey(error: unknown): string {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  const base = typeof name === 'string' ? name : 'unknown';
  return typeof code === 'string' ? `${base}/${code}` : base;
}
