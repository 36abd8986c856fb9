/**
 * How long and how hard `--soak` drives each World, and the retention policy of the "with"
 * variant. `full` is what the README's table comes from; `quick` is a smoke run of seconds.
 */
import { type RetentionPolicy, retentionAgeMs } from '@worldkit/world';

export interface SoakPlan {
  name: 'full' | 'quick';
  /** How long each World is driven (both variants at once). */
  durationMs: number;
  /** Runs started per second, per variant: the same paced load with and without retention. */
  rate: number;
  /** Concurrent writers per variant, each taking the next run when it is due. */
  writers: number;
  /** Time between two measurements of the stores' size. */
  sampleEveryMs: number;
  /** The policy of the variant with retention: short, so a few minutes show the plateau. */
  retention: Required<RetentionPolicy>;
}

export const FULL_SOAK: SoakPlan = {
  name: 'full',
  durationMs: 210_000,
  rate: 50,
  writers: 8,
  sampleEveryMs: 10_000,
  retention: { olderThan: '20s', intervalMs: 5_000, batchSize: 100 },
};

export const QUICK_SOAK: SoakPlan = {
  name: 'quick',
  durationMs: 10_000,
  rate: 20,
  writers: 4,
  sampleEveryMs: 2_000,
  retention: { olderThan: '1s', intervalMs: 1_000, batchSize: 100 },
};

/** `--duration` as an age (`60s`, `3m`, or milliseconds), refused unless it is at least 1 s. */
export function parseDuration(value: string): number {
  const ms = retentionAgeMs(/^\d+$/.test(value) ? Number(value) : value, '--duration');
  if (ms < 1_000) throw new Error(`--duration needs at least 1s (got ${value})`);
  return ms;
}

/** The plan with the command line's changes: a shorter or longer run, another rate. */
export function soakPlan(options: {
  quick: boolean;
  durationMs?: number;
  rate?: number;
}): SoakPlan {
  const base = options.quick ? QUICK_SOAK : FULL_SOAK;
  return {
    ...base,
    durationMs: options.durationMs ?? base.durationMs,
    rate: options.rate ?? base.rate,
  };
}
