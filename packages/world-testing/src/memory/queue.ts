import {
  checkQueueCall,
  type Delivery,
  type DeliveryOutcome,
  newId,
  type QueueOptions,
} from '@worldkit/world';

interface Message {
  id: string;
  queueName: string;
  payload: unknown;
  headers: Record<string, string> | undefined;
  idempotencyKey: string | undefined;
  /** 1-based delivery count since the message was enqueued or last asked to come back later. */
  attempt: number;
  dueAt: number;
  inFlight: boolean;
}

/** How a consumer hands a message to the app; the default POSTs to the app's queue routes. */
export type Deliver = (delivery: Delivery) => Promise<DeliveryOutcome>;

export interface Consumer {
  deliver: Deliver;
  /** Aborted when the consumer stops: its in-flight messages become due again. */
  signal: AbortSignal;
}

/** Milliseconds to wait before delivering again after the given failed attempt. */
export type RetryDelay = number | ((failedAttempt: number) => number);

/**
 * The queue of one in-memory backend: at-least-once, never giving up on a failing message,
 * `{timeoutSeconds}` as a delayed redelivery with the attempt reset, `idempotencyKey` held for the
 * message's whole pending, delayed and in-flight life. Messages are delivered only while at least
 * one World instance over the backend has called `start()`. Not durable: it lives in this process.
 */
export class MemoryQueue {
  private readonly messages = new Map<string, Message>();
  private readonly byKey = new Map<string, string>();
  private readonly consumers = new Set<Consumer>();
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;

  constructor(private readonly retryDelay: RetryDelay) {}

  enqueue(queueName: string, payload: unknown, opts: QueueOptions | undefined): string {
    const { idempotencyKey, delaySeconds, headers } = checkQueueCall(queueName, payload, opts);
    if (idempotencyKey !== undefined) {
      const existing = this.byKey.get(idempotencyKey);
      if (existing !== undefined) return existing;
    }
    const id = newId('message');
    this.messages.set(id, {
      id,
      queueName,
      payload: structuredClone(payload),
      headers,
      idempotencyKey,
      attempt: 1,
      dueAt: Date.now() + (delaySeconds ?? 0) * 1000,
      inFlight: false,
    });
    if (idempotencyKey !== undefined) this.byKey.set(idempotencyKey, id);
    this.pump();
    return id;
  }

  /** Whether a message for the run is pending, delayed or in flight on `queueName`. */
  hasLiveMessage(runId: string, queueName: string): boolean {
    for (const message of this.messages.values()) {
      if (
        message.queueName === queueName &&
        (message.payload as { runId?: unknown })?.runId === runId
      ) {
        return true;
      }
    }
    return false;
  }

  /** Drops every message of the run, pending, delayed or in flight: a pruned run needs none. */
  forgetRun(runId: string): void {
    for (const message of [...this.messages.values()]) {
      if (runIdOf(message.payload) !== runId) continue;
      this.messages.delete(message.id);
      if (
        message.idempotencyKey !== undefined &&
        this.byKey.get(message.idempotencyKey) === message.id
      )
        this.byKey.delete(message.idempotencyKey);
    }
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.add(consumer);
    this.pump();
  }

  removeConsumer(consumer: Consumer): void {
    this.consumers.delete(consumer);
    if (this.consumers.size === 0) this.clearTimer();
  }

  /** Delivers every due message and arms a timer for the next one. */
  private pump(): void {
    if (this.consumers.size === 0) return;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const message of this.messages.values()) {
      if (message.inFlight) continue;
      if (message.dueAt <= now) void this.deliverOne(message);
      else next = Math.min(next, message.dueAt);
    }
    this.arm(next);
  }

  private arm(dueAt: number): void {
    if (dueAt >= this.timerDueAt || dueAt === Number.POSITIVE_INFINITY) return;
    this.clearTimer();
    this.timerDueAt = dueAt;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDueAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, dueAt - Date.now()),
    );
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
  }

  private async deliverOne(message: Message): Promise<void> {
    const consumer = this.pickConsumer();
    if (consumer === undefined) return;
    message.inFlight = true;
    let outcome: DeliveryOutcome;
    try {
      outcome = await consumer.deliver({
        queueName: message.queueName,
        messageId: message.id,
        attempt: message.attempt,
        payload: message.payload,
        ...(message.headers === undefined ? {} : { headers: message.headers }),
      });
    } catch (error) {
      outcome = { kind: 'failed', message: (error as Error).message };
    }
    message.inFlight = false;
    // A message forgotten while in flight (its run was pruned) has nothing left to settle.
    if (this.messages.get(message.id) === message) this.settle(message, consumer, outcome);
    this.pump();
  }

  private settle(message: Message, consumer: Consumer, outcome: DeliveryOutcome): void {
    if (consumer.signal.aborted) {
      // The consumer stopped mid-delivery: the message is due again for whoever consumes next.
      message.dueAt = Date.now();
    } else if (outcome.kind === 'ack') {
      this.messages.delete(message.id);
      if (message.idempotencyKey !== undefined) this.byKey.delete(message.idempotencyKey);
    } else if (outcome.kind === 'redeliver') {
      message.attempt = 1;
      message.dueAt = Date.now() + outcome.timeoutSeconds * 1000;
    } else {
      const delay =
        typeof this.retryDelay === 'function' ? this.retryDelay(message.attempt) : this.retryDelay;
      message.attempt += 1;
      message.dueAt = Date.now() + delay;
    }
  }

  private pickConsumer(): Consumer | undefined {
    const live = [...this.consumers].filter((consumer) => !consumer.signal.aborted);
    return live[Math.floor(Math.random() * live.length)];
  }
}

/** The run a message is for: a workflow message's `runId`, a step message's `workflowRunId`. */
function runIdOf(payload: unknown): unknown {
  const fields = payload as { runId?: unknown; workflowRunId?: unknown } | null;
  return fields?.runId ?? fields?.workflowRunId;
}
