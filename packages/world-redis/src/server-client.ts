import { WorkflowWorldError } from '@worldkit/world';
import { type Callback, type Command, Redis, type RedisOptions } from 'ioredis';

/** How long a client that has never been connected keeps trying before its commands fail. */
export const FIRST_CONNECTION_BUDGET_MS = 1500;

/** Backoff between reconnection attempts: short and capped, so a restarted server is soon found. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(50 * attempt, 1000);
}

/**
 * A client of one Redis server that treats its first connection differently from later ones.
 *
 * Until it has been ready once, nothing says the server exists (a wrong URL, a server not
 * started): it tries for FIRST_CONNECTION_BUDGET_MS, then gives up. Giving up fails the waiting
 * commands with an error naming the server and WORKFLOW_REDIS_URL, and leaves no socket and no
 * reconnection timer behind, so a script whose server is missing ends by itself. The next command
 * starts a new first connection, so an app that came up before its Redis recovers by itself.
 *
 * Once it has been ready, a lost connection is a restart or a network blip: it reconnects for as
 * long as it is open, and commands issued meanwhile wait in ioredis's offline queue and are sent
 * on reconnection (for `maxRetriesPerRequest` attempts; then they fail with the same error).
 * `disconnect()` ends it for good. A connected client holds its socket, so a process that created
 * a World and used it ends once the World is closed.
 */
export class ServerClient extends Redis {
  private connectedOnce = false;
  private firstAttemptAt: number | undefined;
  private firstAttempts = 0;
  private gaveUp = false;
  private lastError: Error | undefined;

  constructor(url: string, options: RedisOptions) {
    super(url, { ...options, lazyConnect: true });
    // ioredis asks the strategy after every lost or failed connection; it needs this client's state.
    this.options.retryStrategy = (attempt) => this.retryDelay(attempt);
    this.on('error', (error: Error) => {
      this.lastError = error;
    });
    this.on('ready', () => {
      this.connectedOnce = true;
      this.lastError = undefined;
    });
  }

  override connect(callback?: Callback<void>): Promise<void> {
    if (!this.connectedOnce && this.firstAttemptAt === undefined) {
      this.firstAttemptAt = Date.now();
      this.firstAttempts = 0;
    }
    return super.connect(callback);
  }

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    if (this.gaveUp && this.status === 'end') {
      this.gaveUp = false;
      this.connect().catch(() => {});
    }
    const reject = command.reject;
    command.reject = (error) => reject(this.explain(error));
    return super.sendCommand(command, stream);
  }

  override disconnect(reconnect = false): void {
    // A client its owner closed stays closed: a late command fails instead of connecting again.
    if (!reconnect) this.gaveUp = false;
    super.disconnect(reconnect);
  }

  private retryDelay(attempt: number): number | null {
    if (this.connectedOnce) return reconnectDelayMs(attempt);
    const delay = reconnectDelayMs(++this.firstAttempts);
    if (Date.now() + delay - this.firstAttemptAt! <= FIRST_CONNECTION_BUDGET_MS) return delay;
    this.gaveUp = true;
    this.firstAttemptAt = undefined;
    return null;
  }

  /** The failures that mean "the server cannot be reached" become one error that says so. */
  private explain(error: Error): Error {
    if (!this.gaveUp && error.name !== 'MaxRetriesPerRequestError') return error;
    const server = this.options.path ?? `${this.options.host}:${this.options.port}`;
    const detail = (this.lastError ?? error).message;
    return new WorkflowWorldError(
      `cannot reach Redis at ${server} (${detail}): start the server, or set WORKFLOW_REDIS_URL (or REDIS_URL) to a reachable Redis`,
      { status: 503, code: 'TRANSPORT', cause: error },
    );
  }
}
