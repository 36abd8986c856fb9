import { type Event, WorkflowWorldError, WorldClosedError } from '@worldkit/world';
import type { Redis } from 'ioredis';
import { acquireClient, type Endpoint, releaseClient } from './connection.js';
import type { KeyLayout } from './keys.js';
import { runScript, type ScriptName } from './scripts.js';
import { eventFromRecord } from './storage/records.js';

/**
 * What the storage, queue and stream modules of one World share: the key layout and a lazily
 * acquired command connection (shared per URL at module scope, so creating a World connects
 * nothing).
 */
export class StoreContext {
  private client: Redis | undefined;
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    readonly keys: KeyLayout,
    readonly maxEvents: number | undefined,
  ) {}

  redis(): Redis {
    if (this.closed) throw new WorldClosedError();
    this.client ??= acquireClient(this.endpoint);
    return this.client;
  }

  /** Runs a script with byte-exact replies; connection failures become retryable 503s. */
  call(name: ScriptName, keys: string[], args: (string | Uint8Array | number)[]): Promise<unknown> {
    return transport(() => runScript(this.redis(), name, keys, args, true));
  }

  /** A run's whole log, ascending, with the cursor after its last event. */
  async readWholeLog(runId: string): Promise<{ events: Event[]; cursor: string | null }> {
    const events: Event[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page = await this.readEvents(runId, cursor, 'asc', 1000);
      events.push(...page.events);
      if (page.events.length > 0) cursor = page.events.at(-1)!.eventId;
      if (!page.hasMore) return { events, cursor };
    }
  }

  /** One page of a run's log; `badCursor` when the cursor is not one of its events. */
  async readEvents(
    runId: string,
    cursor: string | null,
    order: 'asc' | 'desc',
    limit: number,
  ): Promise<{ events: Event[]; hasMore: boolean; badCursor?: true }> {
    const reply = (await this.call(
      'listEvents',
      [this.keys.run(runId).eventOrder, this.keys.run(runId).events],
      [cursor ?? '', order, limit],
    )) as Buffer[];
    if (reply[0]?.toString() === 'BADCURSOR')
      return { events: [], hasMore: false, badCursor: true };
    const hasMore = reply[0]!.toString() === '1';
    const events: Event[] = [];
    for (let i = 1; i + 1 < reply.length; i += 2) {
      events.push(eventFromRecord(runId, reply[i]!.toString(), reply[i + 1]!));
    }
    return { events, hasMore };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await releaseClient(this.endpoint, client);
  }
}

/** Runs a Redis operation; failures that are not World errors become retryable 503s. */
export async function transport<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof WorkflowWorldError) throw error;
    throw new WorkflowWorldError(`redis: ${(error as Error).message}`, {
      status: 503,
      code: 'TRANSPORT',
      cause: error,
    });
  }
}
