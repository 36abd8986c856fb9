import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createDeliverer, type Deliverer, decodeBinary } from '@worldkit/world';
import type { Redis } from 'ioredis';
import type { RedisWorldConfig } from '../config.js';
import { createBlockingClient } from '../connection.js';
import { runScript, type ScriptName } from '../scripts.js';
import type { StoreContext } from '../store-context.js';

interface Claimed {
  id: string;
  queueName: string;
  payload: Buffer;
  attempt: number;
  headers: Record<string, string> | undefined;
}

/**
 * The delivery loop of one process, started by `start()`: claims due messages under a lease,
 * POSTs each to the app's queue route, and acknowledges, reschedules or retries it by the answer.
 * Idle, it blocks on the wake list on a dedicated connection (so an enqueue reaches a handler in
 * about one round trip) and polls as a fallback; leases of live deliveries are renewed, and
 * expired ones (a dead consumer's) are reclaimed by every running consumer.
 */
export class QueueConsumer {
  private readonly inFlight = new Map<string, string>();
  private readonly deliverer: Deliverer;
  private readonly blocking: Redis;
  private readonly leaseToken = randomBytes(8).toString('hex');
  private claims = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private slotFreed: (() => void) | undefined;

  constructor(
    private readonly store: StoreContext,
    private readonly config: RedisWorldConfig,
  ) {
    this.deliverer = createDeliverer({
      ...(config.baseUrl === undefined ? {} : { baseUrl: config.baseUrl }),
      ...(config.queueSecret === undefined ? {} : { secret: config.queueSecret }),
    });
    this.blocking = createBlockingClient(store.endpoint);
  }

  start(): void {
    this.loop = this.run();
    const renewEvery = Math.max(10, Math.floor(this.config.leaseMs / 3));
    this.timers.push(setInterval(() => void this.renewLeases(), renewEvery));
    this.timers.push(setInterval(() => void this.reclaimExpired(), renewEvery));
    for (const timer of this.timers) timer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.slotFreed?.();
    // Deliveries in flight are aborted; their leases expire and another consumer redelivers them.
    this.deliverer.close();
    this.blocking.disconnect();
    await this.loop?.catch(() => {});
  }

  /** Runs one of the queue's scripts; each derives the queue's other keys from the pending set's. */
  private script(name: ScriptName, args: (string | number)[], buffers = false): Promise<unknown> {
    return runScript(this.store.redis(), name, [this.store.keys.queue.pending], args, buffers);
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const free = this.config.queueConcurrency - this.inFlight.size;
        if (free <= 0) {
          await new Promise<void>((resolve) => {
            this.slotFreed = resolve;
          });
          continue;
        }
        const { messages, nextDue } = await this.claim(free);
        for (const message of messages) void this.deliver(message);
        if (messages.length === free || this.stopped) continue;
        await this.sleep(nextDue);
      } catch {
        // Redis is unreachable: back off a little; the connection reconnects by itself.
        if (!this.stopped)
          await delay(Math.min(this.config.pollIntervalMs, 250), undefined, { ref: false });
      }
    }
  }

  /** Blocks on the wake list until an enqueue, the next due message or the poll interval. */
  private async sleep(nextDue: number | undefined): Promise<void> {
    let waitMs = this.config.pollIntervalMs;
    if (nextDue !== undefined) waitMs = Math.min(waitMs, Math.max(0, nextDue - Date.now()));
    if (waitMs <= 0) return;
    await this.blocking.blpop(this.store.keys.queue.wake, Math.max(0.01, waitMs / 1000));
  }

  private async claim(
    count: number,
  ): Promise<{ messages: Claimed[]; nextDue: number | undefined }> {
    const token = `${this.leaseToken}:${++this.claims}`;
    const reply = (await this.script(
      'claim',
      [count, this.config.leaseMs, token],
      true,
    )) as Buffer[];
    const messages: Claimed[] = [];
    for (let i = 1; i + 4 < reply.length; i += 5) {
      const headers = reply[i + 4]!.toString();
      const id = reply[i]!.toString();
      this.inFlight.set(id, token);
      messages.push({
        id,
        queueName: reply[i + 1]!.toString(),
        payload: reply[i + 2]!,
        attempt: Number(reply[i + 3]!.toString()),
        headers: headers === '' ? undefined : JSON.parse(headers),
      });
    }
    const nextDue = reply[0]!.length === 0 ? undefined : Number(reply[0]!.toString());
    return { messages, nextDue };
  }

  private async deliver(message: Claimed): Promise<void> {
    const token = this.inFlight.get(message.id)!;
    try {
      const outcome = await this.deliverer.deliver({
        queueName: message.queueName,
        messageId: message.id,
        attempt: message.attempt,
        payload: decodeBinary(message.payload),
        ...(message.headers === undefined ? {} : { headers: message.headers }),
      });
      if (this.stopped) return;
      if (outcome.kind === 'ack') {
        await this.script('ack', [message.id, token]);
      } else if (outcome.kind === 'redeliver') {
        await this.reschedule(message.id, token, outcome.timeoutSeconds * 1000, true);
      } else {
        this.config.logger.warn(
          `[world-redis] delivery of ${message.queueName} (${message.id}, attempt ${message.attempt}) failed: ${outcome.message}`,
        );
        await this.reschedule(message.id, token, this.config.retryDelayMs(message.attempt), false);
      }
    } catch {
      // Acknowledging failed (Redis unreachable): the lease expires and the message is redelivered.
    } finally {
      this.inFlight.delete(message.id);
      const wake = this.slotFreed;
      this.slotFreed = undefined;
      wake?.();
    }
  }

  private reschedule(id: string, token: string, delayMs: number, resetAttempt: boolean) {
    return this.script('nack', [
      id,
      token,
      Math.max(0, Math.round(delayMs)),
      resetAttempt ? '1' : '0',
    ]);
  }

  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0 || this.stopped) return;
    const args: (string | number)[] = [this.config.leaseMs];
    for (const [id, token] of this.inFlight) args.push(id, token);
    await this.script('renew', args).catch(() => {});
  }

  private async reclaimExpired(): Promise<void> {
    if (this.stopped) return;
    await this.script('reclaim', [100]).catch(() => {});
  }
}
