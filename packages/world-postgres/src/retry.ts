/** How `retrying` paces its attempts. */
export interface RetryPacing {
  /** The pause after the first failure; each further failure doubles it, up to `maxPauseMs`. */
  firstPauseMs: number;
  maxPauseMs: number;
  /** Time (ms since the epoch) after which no pause may end: the last failure is thrown instead. */
  deadline: number;
  /** Whether this failure is worth another attempt; it is told about every failure. */
  retryOn(error: unknown): boolean;
  /** Pauses do not keep the process alive (for background work that nobody awaits). */
  unref?: boolean;
}

/**
 * Runs `attempt` until it succeeds, pausing with doubling back-off between attempts, and throws
 * the last failure once `retryOn` refuses it or the next pause would end past the deadline.
 */
export async function retrying<T>(attempt: () => Promise<T>, pacing: RetryPacing): Promise<T> {
  for (let pause = pacing.firstPauseMs; ; pause = Math.min(pause * 2, pacing.maxPauseMs)) {
    try {
      return await attempt();
    } catch (error) {
      if (!pacing.retryOn(error) || Date.now() + pause > pacing.deadline) throw error;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, pause);
        if (pacing.unref === true) timer.unref();
      });
    }
  }
}
