import { WorkflowWorldError, WorldClosedError } from '@worldkit/world';
import type { Redis } from 'ioredis';
import { acquireClient, type Endpoint, releaseClient } from './connection.js';
import type { KeyLayout } from './keys.js';
import { runScript, runScriptTransaction, type ScriptCall, type ScriptName } from './scripts.js';

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

  /**
   * Runs a script once per call, back to back in one MULTI/EXEC, with byte-exact replies in call
   * order; connection failures become retryable 503s.
   */
  callEach(name: ScriptName, calls: ScriptCall[]): Promise<unknown[]> {
    return transport(() => runScriptTransaction(this.redis(), name, calls));
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
