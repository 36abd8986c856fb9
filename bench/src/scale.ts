/**
 * How much work each measurement does. `full` is what the README's numbers come from; `quick` is
 * a smoke run that exercises every code path in seconds and measures nothing worth quoting.
 */
export interface Scale {
  name: 'full' | 'quick';
  /** Interleaved rounds after the warm-up; every subject contributes one sample set per round. */
  rounds: number;
  /** Length of one throughput window (events.create, fenced appends, pgbench, redis-benchmark). */
  windowMs: number;
  /** Writers for the concurrent events.create measurement, each on its own run. */
  concurrentWriters: number;
  /** Writers racing on one run in the fenced measurement. */
  fencedWriters: number;
  /** Events in the log loaded by the events.list measurement. */
  logEvents: number;
  /** Full log loads timed per round. */
  loadsPerRound: number;
  /** Runs stored before the "many runs" hook measurement. */
  storedRuns: number;
  /** Hooks created and looked up per round, at most… */
  hookOpsPerRound: number;
  /** …and no more once this much time has gone by (at least one). */
  hookRoundBudgetMs: number;
  /** Messages sent one at a time per round for the enqueue-to-handler latency. */
  queueLatencyMessages: number;
  /** Messages enqueued at once per round for deliveries per second. */
  queueBurst: number;
  /** Bytes written to and read back from one stream, in chunks of `streamChunkBytes`. */
  streamBytes: number;
  streamChunkBytes: number;
  /** Upper bound for one sample of one subject: a hung World is recorded as failed, not waited on. */
  sampleTimeoutMs: number;
}

export const FULL: Scale = {
  name: 'full',
  rounds: 5,
  windowMs: 1000,
  concurrentWriters: 16,
  fencedWriters: 8,
  logEvents: 1000,
  loadsPerRound: 5,
  storedRuns: 10_000,
  hookOpsPerRound: 10,
  hookRoundBudgetMs: 3000,
  queueLatencyMessages: 40,
  queueBurst: 200,
  streamBytes: 1024 * 1024,
  streamChunkBytes: 16 * 1024,
  sampleTimeoutMs: 60_000,
};

export const QUICK: Scale = {
  ...FULL,
  name: 'quick',
  rounds: 2,
  windowMs: 200,
  loadsPerRound: 2,
  storedRuns: 200,
  hookOpsPerRound: 3,
  hookRoundBudgetMs: 500,
  queueLatencyMessages: 5,
  queueBurst: 20,
  sampleTimeoutMs: 30_000,
};
