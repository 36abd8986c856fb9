import path from 'node:path';
import {
  checkQueueCall,
  type Deliverer,
  type DeliveryOutcome,
  type MessageId,
  newId,
  type QueueOptions,
  type QueuePayload,
  retryDelayMs,
} from '@worldkit/world';
import type { ChangeNotifier } from '../fs/change-notifier.js';
import { type FileLocks, withLock } from '../fs/file-lock.js';
import { lockNames } from '../fs/layout.js';
import { currentProcess, isProcessAlive } from '../fs/process-identity.js';
import type { QueuedMessage, QueueJournal, QueueOp } from './queue-journal.js';

export interface LocalQueueOptions {
  owner: string;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  lockTimeoutMs: number;
  syncWrites: boolean;
}

/** Longest single sleep of the delivery loop, so clock jumps and missed wake-ups heal quickly. */
const MAX_IDLE_MS = 60_000;

/**
 * The durable queue: `enqueue` commits a message to the journal before it resolves, and the
 * delivery loop (started by the World's `start()`) leases due messages, delivers them over HTTP
 * and records the outcome. Any number of processes may run a loop on one data directory: a lease
 * is taken under the queue lock, renewed while the delivery runs, and a message whose lease
 * expired, or whose holder process died, is leased again by whoever looks next.
 */
export class LocalQueue {
  private readonly inFlight = new Set<string>();
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly stop = new AbortController();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly journalFile: string;

  constructor(
    private readonly journal: QueueJournal,
    journalPath: string,
    private readonly locks: FileLocks,
    private readonly notifier: ChangeNotifier,
    private readonly deliverer: () => Deliverer,
    private readonly options: LocalQueueOptions,
  ) {
    this.journalFile = path.basename(journalPath);
  }

  async enqueue(
    queueName: string,
    payload: QueuePayload,
    options: QueueOptions = {},
  ): Promise<{ messageId: MessageId }> {
    const {
      delaySeconds,
      idempotencyKey: key,
      headers,
    } = checkQueueCall(queueName, payload, options);
    const id = await this.locked(() => {
      const existing = key === undefined ? undefined : this.journal.byKey.get(key);
      if (existing !== undefined) return existing;
      const message: Omit<QueuedMessage, 'lease'> = {
        id: newId('message'),
        queueName,
        payload,
        due: Date.now() + delaySeconds * 1000,
        attempt: 1,
        ...(key === undefined ? {} : { idempotencyKey: key }),
        ...(headers === undefined ? {} : { headers }),
        ...(options.deploymentId === undefined ? {} : { deploymentId: options.deploymentId }),
      };
      this.journal.commit([{ op: 'enqueue', message }]);
      return message.id;
    });
    this.notifier.notify(this.journalFile);
    return { messageId: id as MessageId };
  }

  /**
   * Acknowledges every message of these runs, pending, delayed or in flight (a delivery in
   * flight then finds its message gone and records nothing): retention deletes the runs, which
   * need no more deliveries. One journal commit.
   */
  async forgetRuns(runIds: ReadonlySet<string>): Promise<void> {
    await this.locked(() => {
      const ops: QueueOp[] = [];
      for (const message of this.journal.messages.values()) {
        const runId = runIdOf(message.payload);
        if (runId !== undefined && runIds.has(runId)) ops.push({ op: 'ack', id: message.id });
      }
      this.journal.commit(ops);
    });
  }

  /** The live (not yet acked) messages, as this process sees the journal now. */
  live(): QueuedMessage[] {
    this.journal.refresh();
    return [...this.journal.messages.values()];
  }

  /** Starts the delivery loop of this process. Idempotent. */
  start(): void {
    if (this.running || this.stop.signal.aborted) return;
    this.running = true;
    this.renewTimer = setInterval(() => void this.renewLeases(), this.options.leaseMs / 3);
    this.renewTimer.unref();
    this.loop = this.run();
  }

  /**
   * Stops the loop. Deliveries still in flight are handed back (due now, same attempt) so that
   * another consumer, or this data directory's next World, picks them up without waiting for
   * their leases to lapse.
   */
  async close(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    clearInterval(this.renewTimer);
    await this.loop;
    const abandoned = [...this.inFlight];
    if (abandoned.length === 0) return;
    await this.locked(() => {
      const ops: QueueOp[] = [];
      for (const id of abandoned) {
        const message = this.journal.messages.get(id);
        if (message?.lease?.owner !== this.options.owner) continue;
        ops.push({ op: 'reschedule', id, due: Date.now(), attempt: message.attempt });
      }
      this.journal.commit(ops);
    });
  }

  private async run(): Promise<void> {
    while (!this.stop.signal.aborted) {
      let sleepMs = this.options.pollIntervalMs;
      try {
        sleepMs = await this.leaseAndDeliver();
      } catch (error) {
        // A transient failure (a lock wait timing out, a full disk): try again after a poll.
        console.error('[world-local] queue loop:', (error as Error).message);
      }
      if (this.stop.signal.aborted) break;
      await this.notifier.wait(this.journalFile, sleepMs, this.stop.signal);
    }
  }

  /** Leases what is due and free, starts its deliveries, and says how long to sleep. */
  private async leaseAndDeliver(): Promise<number> {
    const capacity = this.options.concurrency - this.inFlight.size;
    this.journal.refresh();
    const now = Date.now();
    let nextDue = now + Math.min(this.options.pollIntervalMs, MAX_IDLE_MS);
    const candidates: QueuedMessage[] = [];
    for (const message of this.journal.messages.values()) {
      if (this.inFlight.has(message.id)) continue;
      const readyAt = this.readyAt(message);
      if (readyAt <= now) candidates.push(message);
      else nextDue = Math.min(nextDue, readyAt);
    }
    if (candidates.length === 0 || capacity <= 0) return Math.max(0, nextDue - now);
    candidates.sort((a, b) => a.due - b.due);

    const leased = await this.locked(() => {
      this.journal.refresh();
      const at = Date.now();
      const ops: QueueOp[] = [];
      const taken: QueuedMessage[] = [];
      for (const candidate of candidates) {
        if (taken.length >= capacity) break;
        const message = this.journal.messages.get(candidate.id);
        if (message === undefined || this.readyAt(message) > at) continue;
        // Taking over a lapsed or orphaned lease: that delivery happened and never finished,
        // so it counts as a failed attempt (the runtime's give-up policy depends on it).
        if (message.lease !== undefined) {
          ops.push({
            op: 'reschedule',
            id: message.id,
            due: message.due,
            attempt: message.attempt + 1,
          });
        }
        ops.push({
          op: 'lease',
          id: message.id,
          lease: {
            owner: this.options.owner,
            process: currentProcess(),
            expiresAt: at + this.options.leaseMs,
          },
        });
        taken.push({
          ...message,
          attempt: message.lease === undefined ? message.attempt : message.attempt + 1,
        });
      }
      this.journal.commit(ops);
      return taken;
    });
    for (const message of leased) this.startDelivery(message);
    // More may be due right away (capacity ran out, or the list moved): look again soon.
    return leased.length > 0 ? 0 : Math.max(0, nextDue - Date.now());
  }

  /** When a message may next be leased: its due time, or when its current lease lapses. */
  private readyAt(message: QueuedMessage): number {
    const { lease } = message;
    if (lease === undefined) return message.due;
    if (lease.owner === this.options.owner) return Number.POSITIVE_INFINITY;
    if (!isProcessAlive(lease.process)) return message.due;
    return Math.max(message.due, lease.expiresAt);
  }

  private startDelivery(message: QueuedMessage): void {
    this.inFlight.add(message.id);
    void this.deliver(message)
      .then((outcome) => this.settle(message, outcome))
      .catch((error) => {
        console.error(`[world-local] delivery of ${message.id}:`, (error as Error).message);
      })
      .finally(() => {
        this.inFlight.delete(message.id);
        this.notifier.notify(this.journalFile);
      });
  }

  private deliver(message: QueuedMessage): Promise<DeliveryOutcome> {
    return this.deliverer().deliver({
      queueName: message.queueName,
      messageId: message.id,
      attempt: message.attempt,
      payload: message.payload,
      ...(message.headers === undefined ? {} : { headers: message.headers }),
    });
  }

  /** Records a delivery's outcome, unless the lease was lost meanwhile (then its new holder decides). */
  private async settle(message: QueuedMessage, outcome: DeliveryOutcome): Promise<void> {
    if (this.stop.signal.aborted) return;
    await this.locked(() => {
      this.journal.refresh();
      const current = this.journal.messages.get(message.id);
      if (current?.lease?.owner !== this.options.owner) return;
      const now = Date.now();
      switch (outcome.kind) {
        case 'ack':
          this.journal.commit([{ op: 'ack', id: message.id }]);
          return;
        case 'redeliver':
          // A requested redelivery is the workflow sleeping, not a failure: attempts restart.
          this.journal.commit([
            {
              op: 'reschedule',
              id: message.id,
              due: now + outcome.timeoutSeconds * 1000,
              attempt: 1,
            },
          ]);
          return;
        case 'failed': {
          const delay = retryDelayMs(current.attempt, {
            baseMs: this.options.retryBaseMs,
            maxMs: this.options.retryMaxMs,
          });
          this.journal.commit([
            { op: 'reschedule', id: message.id, due: now + delay, attempt: current.attempt + 1 },
          ]);
          return;
        }
      }
    });
  }

  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0 || this.stop.signal.aborted) return;
    try {
      await this.locked(() => {
        this.journal.refresh();
        const ids = [...this.inFlight].filter(
          (id) => this.journal.messages.get(id)?.lease?.owner === this.options.owner,
        );
        if (ids.length === 0) return;
        this.journal.commit([
          {
            op: 'renew',
            ids,
            owner: this.options.owner,
            expiresAt: Date.now() + this.options.leaseMs,
          },
        ]);
      });
    } catch (error) {
      console.error('[world-local] lease renewal:', (error as Error).message);
    }
  }

  private locked<T>(body: () => T): Promise<T> {
    return withLock(
      this.locks,
      lockNames.queue,
      () => {
        this.journal.refresh();
        const result = body();
        this.journal.compactIfWorthIt(this.options.syncWrites);
        return result;
      },
      { timeoutMs: this.options.lockTimeoutMs },
    );
  }
}

/** The run a message is for: a workflow message's `runId`, a step message's `workflowRunId`. */
function runIdOf(payload: unknown): string | undefined {
  const fields = payload as { runId?: unknown; workflowRunId?: unknown } | null;
  const runId = fields?.runId ?? fields?.workflowRunId;
  return typeof runId === 'string' ? runId : undefined;
}
