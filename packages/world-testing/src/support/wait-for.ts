export interface WaitForOptions {
  /** Give up after this long; the error names `what`. */
  timeoutMs?: number;
  /** Pause between polls. */
  intervalMs?: number;
  /** What is awaited, for the timeout error. */
  what?: string;
}

/**
 * Polls `check` until it returns a value other than undefined or false, and returns that value;
 * throws after `timeoutMs`.
 */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 10, what = 'condition' }: WaitForOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
