import type { RandomSource } from '../ids.js';

export interface BackoffOptions {
  /** The ceiling of the first retry's delay (default 1 s). */
  baseMs?: number;
  /** The largest delay (default 60 s). */
  maxMs?: number;
}

/**
 * The wait before redelivering a failed delivery: exponential backoff with full jitter, uniform
 * in `[0, min(maxMs, baseMs · 2^(attempt−1))]`, so replicas that failed together spread out.
 * `attempt` is the 1-based number of the delivery that failed.
 */
export function retryDelayMs(
  attempt: number,
  { baseMs = 1_000, maxMs = 60_000 }: BackoffOptions = {},
  random: RandomSource = Math.random,
): number {
  const exponent = Math.max(0, Math.floor(Number.isFinite(attempt) ? attempt : 1) - 1);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 52));
  return Math.round(Math.max(0, ceiling) * random());
}
