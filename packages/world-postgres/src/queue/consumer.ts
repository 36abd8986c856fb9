import { randomUUID } from 'node:crypto';
import { type Deliverer, type DeliveryOutcome, decodeBinary, retryDelayMs } from '@worldkit/world';
import type { QueryResultRow } from 'pg';
import type { Database } from '../database.js';
import type { Notifications } from '../notifications.js';
import { retrying } from '../retry.js';
import type { ClaimedMessage, LocalClaim } from './enqueue.js';

export interface ConsumerOptions {
  db: Database;
  notifications: Notifications;
  deliverer: Deliverer;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  retryDelayMs: ((attempt: number) => number) | undefined;
  /** Told about database failures the consumer rides out (default: silent). */
  onError?: (error: unknown) => void;
}

/**
 * The delivery loop of one process. It claims due messages (FOR UPDATE SKIP LOCKED, so workers
 * never claim the same row), holds each under a lease it renews while the delivery runs, and
 * settles the row by the delivery's outcome: ack deletes it, {timeoutSeconds} reschedules it
 * with the attempt count reset, a failure reschedules it with backoff and the count kept.
 * Every settle presents the lease token, so a worker that lost its lease changes nothing.
 *
 * Woken by NOTIFY from queue(), by a timer at the next due message, and by a poll fallback.
 */
export class QueueConsumer {
  private readonly inFlight = new Map<string, string>(); // lease token → message id
  private readonly settling = new Set<Promise<void>>();
  /** Slots held for messages this process is enqueueing (see `reserveLocalClaim`). */
  private reserved = 0;
  private running = false;
  private claiming = false;
  private claimAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly workerId = `w${process.pid}_${Math.random().toString(36).slice(2, 10)}`;

  constructor(private readonly options: ConsumerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const { notifications } = this.options;
    this.unsubscribe = notifications.subscribe(notifications.channel('queue'), () => this.wake());
    this.renewTimer = setInterval(() => this.renewLeases(), Math.max(10, this.options.leaseMs / 3));
    this.renewTimer.unref();
    this.wake();
  }

  /** Stops claiming, aborts deliveries in flight and hands their messages back for others. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    clearInterval(this.renewTimer);
    const tokens = [...this.inFlight.keys()];
    this.options.deliverer.close();
    await Promise.allSettled([...this.settling]);
    if (tokens.length > 0) {
      await this.query(
        `UPDATE ${this.options.db.schema}.messages SET run_at = clock_timestamp(), lease_token = NULL
         WHERE lease_token = ANY($1::text[])`,
        [tokens],
      ).catch(() => {});
    }
  }

  /**
   * A free delivery slot for a message this process is about to enqueue, or undefined when the
   * consumer is not running or busy (the message then waits in the table like any other).
   */
  reserveLocalClaim(): LocalClaim | undefined {
    if (!this.running || this.inFlight.size + this.reserved >= this.options.concurrency) {
      return undefined;
    }
    this.reserved++;
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      this.reserved--;
      return true;
    };
    return {
      leaseToken: `${this.workerId}:${randomUUID()}`,
      leaseMs: this.options.leaseMs,
      claimed: (message) => {
        if (!settle()) return;
        // Stopped meanwhile: the lease runs out and another worker delivers the message.
        if (this.running) this.deliver(message);
      },
      release: () => {
        if (settle()) this.wake();
      },
    };
  }

  /** Claims as many due messages as there are free slots; coalesces concurrent wake-ups. */
  wake(): void {
    if (!this.running) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = true;
    this.claimAgain = false;
    clearTimeout(this.timer);
    this.claim().then(
      (nextDelay) => {
        this.claiming = false;
        if (!this.running) return;
        if (this.claimAgain) this.wake();
        else this.schedule(nextDelay);
      },
      (error) => {
        this.claiming = false;
        this.options.onError?.(error);
        this.schedule(this.options.pollIntervalMs);
      },
    );
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.max(0, delayMs));
    this.timer.unref();
  }

  /** Returns how long to sleep before looking again. */
  private async claim(): Promise<number> {
    const { db, concurrency, leaseMs, pollIntervalMs } = this.options;
    const free = concurrency - this.inFlight.size - this.reserved;
    if (free <= 0) return pollIntervalMs;
    const { rows } = await this.query<ClaimedMessage>(
      `SELECT * FROM ${db.schema}.claim_messages($1, $2, $3)`,
      [free, leaseMs, this.workerId],
    );
    for (const message of rows) this.deliver(message);
    if (rows.length === free) return 0;
    // Sleep until the next delayed message is due, or the poll interval, whichever is first.
    const next = await this.query<{ wait_ms: number | null }>(
      `SELECT ceil(extract(epoch FROM min(run_at) - clock_timestamp()) * 1000)::bigint AS wait_ms
       FROM ${db.schema}.messages`,
    );
    const waitMs = next.rows[0]?.wait_ms;
    return waitMs === null || waitMs === undefined
      ? pollIntervalMs
      : Math.min(pollIntervalMs, waitMs);
  }

  private deliver(message: ClaimedMessage): void {
    this.inFlight.set(message.lease_token, message.message_id);
    const settled = this.options.deliverer
      .deliver({
        queueName: message.queue_name,
        messageId: message.message_id,
        attempt: message.attempt,
        payload: decodeBinary(message.payload),
        ...(message.headers === null ? {} : { headers: message.headers }),
      })
      .then((outcome) => (this.running ? this.settle(message, outcome) : undefined))
      .catch((error) => this.options.onError?.(error))
      .finally(() => {
        this.inFlight.delete(message.lease_token);
        this.settling.delete(settled);
        this.wake();
      });
    this.settling.add(settled);
  }

  /**
   * Records the outcome. A failed settle (the server restarting) is retried until the lease would
   * have run out anyway; after that the message is redelivered by whoever claims it next.
   */
  private async settle(message: ClaimedMessage, outcome: DeliveryOutcome): Promise<void> {
    const { db, leaseMs } = this.options;
    const schema = db.schema;
    let text: string;
    let values: unknown[];
    switch (outcome.kind) {
      case 'ack':
        text = `DELETE FROM ${schema}.messages WHERE message_id = $1 AND lease_token = $2`;
        values = [message.message_id, message.lease_token];
        break;
      case 'redeliver':
        text = `UPDATE ${schema}.messages
                SET run_at = clock_timestamp() + $3 * interval '1 millisecond', attempt = 0,
                    lease_token = NULL
                WHERE message_id = $1 AND lease_token = $2`;
        values = [
          message.message_id,
          message.lease_token,
          Math.round(outcome.timeoutSeconds * 1000),
        ];
        break;
      case 'failed': {
        const delay = (this.options.retryDelayMs ?? retryDelayMs)(message.attempt);
        text = `UPDATE ${schema}.messages
                SET run_at = clock_timestamp() + $3 * interval '1 millisecond', lease_token = NULL
                WHERE message_id = $1 AND lease_token = $2`;
        values = [message.message_id, message.lease_token, Math.round(delay)];
        break;
      }
    }
    await retrying(() => this.query(text, values), {
      firstPauseMs: 50,
      maxPauseMs: 1_000,
      deadline: Date.now() + leaseMs,
      retryOn: (error) => {
        this.options.onError?.(error);
        return this.running;
      },
      unref: true,
    }).catch(() => {
      // Given up: the lease runs out and whoever claims the message next delivers it again.
    });
  }

  private async renewLeases(): Promise<void> {
    const tokens = [...this.inFlight.keys()];
    if (tokens.length === 0) return;
    await this.query(
      `UPDATE ${this.options.db.schema}.messages
       SET run_at = clock_timestamp() + $2 * interval '1 millisecond'
       WHERE lease_token = ANY($1::text[])`,
      [tokens, this.options.leaseMs],
    ).catch((error) => this.options.onError?.(error));
  }

  private query<Row extends QueryResultRow>(text: string, values: unknown[] = []) {
    return this.options.db.queryConsumer<Row>(text, values);
  }
}
