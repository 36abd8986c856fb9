import {
  type Event,
  isTerminalRunStatus,
  type PruneOptions,
  type PruneReport,
  resolvePrune,
} from '@worldkit/world';
import type { MemoryQueue } from './queue.js';
import type { MemoryStore } from './storage.js';
import type { MemoryStreams } from './streams.js';

/** What one memory backend holds about runs: everything a prune deletes from. */
export interface PrunableBackend {
  readonly store: MemoryStore;
  readonly queue: MemoryQueue;
  readonly streams: MemoryStreams;
}

/**
 * The reference prune: finished runs whose `completedAt` is before the cutoff, oldest first, each
 * deleted with everything it owns in one synchronous step, so no reader (and no write) ever sees
 * part of a run. Batches are separated by a turn of the event loop, as a real World lets appends
 * through between its batches.
 */
export async function pruneMemoryBackend(
  backend: PrunableBackend,
  options: PruneOptions,
): Promise<PruneReport> {
  const { cutoff, dryRun, batchSize, limit } = resolvePrune(options);
  if (dryRun) {
    const runIds = prunableRuns(backend.store, cutoff).slice(0, limit);
    return { cutoff, dryRun, runs: runIds.length, runIds };
  }
  let runs = 0;
  while (runs < limit) {
    const asked = Math.min(batchSize, limit - runs);
    const batch = prunableRuns(backend.store, cutoff).slice(0, asked);
    for (const runId of batch) deleteRun(backend, runId);
    runs += batch.length;
    if (batch.length < asked) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { cutoff, dryRun, runs, runIds: [] };
}

/** Ids of the finished runs that finished before `cutoff`, oldest completion first. */
function prunableRuns(store: MemoryStore, cutoff: Date): string[] {
  const finished: { runId: string; completedAt: number }[] = [];
  for (const { state } of store.runs.values()) {
    const { run } = state;
    const completedAt = run.completedAt?.getTime();
    if (!isTerminalRunStatus(run.status) || completedAt === undefined) continue;
    if (completedAt < cutoff.getTime()) finished.push({ runId: run.runId, completedAt });
  }
  finished.sort((a, b) => a.completedAt - b.completedAt || (a.runId < b.runId ? -1 : 1));
  return finished.map((entry) => entry.runId);
}

/** Deletes the run and all it owns: its record, hooks, tokens, correlation entries, streams, messages. */
function deleteRun(backend: PrunableBackend, runId: string): void {
  const { store, streams, queue } = backend;
  const record = store.runs.get(runId);
  if (record === undefined) return;
  store.runs.delete(runId);
  for (const hook of record.hooks.values()) store.hooks.delete(`${runId}/${hook.hookId}`);
  for (const [token, holder] of [...store.tokens]) {
    if (holder.runId === runId) store.tokens.delete(token);
  }
  for (const correlationId of new Set(record.events.map((event) => event.correlationId))) {
    if (correlationId !== undefined) forgetCorrelation(store, correlationId, runId);
  }
  for (const name of streams.namesByRun.get(runId) ?? []) streams.streams.delete(name);
  streams.namesByRun.delete(runId);
  queue.forgetRun(runId);
}

function forgetCorrelation(store: MemoryStore, correlationId: string, runId: string): void {
  const entry = store.byCorrelation.get(correlationId);
  if (entry === undefined) return;
  const kept: Event[] = entry.events.filter((event) => event.runId !== runId);
  if (kept.length === 0) {
    store.byCorrelation.delete(correlationId);
    return;
  }
  store.byCorrelation.set(correlationId, {
    events: kept,
    positions: new Map(kept.map((event, index) => [event.eventId, index])),
  });
}
