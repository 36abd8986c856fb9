import pg from 'pg';
import type { ResolvedConfig } from './config.js';
import { clientConfig, quoteIdent } from './pool.js';

export type NotificationListener = (payload: string) => void;

/** Reconnect delays after the listening connection drops: quick first, then capped. */
const RECONNECT_DELAYS_MS = [50, 100, 250, 500, 1_000, 2_000];

export const APPLICATION_NAME = 'worldkit-postgres:listen';

/**
 * One dedicated LISTEN connection per World instance, multiplexing its channels to subscribers.
 *
 * Notifications are wake-ups only: the tables are the source of truth and every subscriber also
 * polls. When the connection drops it is re-established with backoff and its channels are listened
 * to again. Whenever a LISTEN takes effect every subscriber of its channel is woken once (payload
 * `*`), because notifications sent before it, or while the connection was down, are lost. The
 * connection never keeps the process alive.
 */
export class Notifications {
  private readonly listeners = new Map<string, Set<NotificationListener>>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly config: ResolvedConfig) {}

  /** Channel names carry the schema, so apps sharing a database do not wake each other. */
  channel(kind: 'queue' | 'stream'): string {
    return `${this.config.schema}:${kind}`;
  }

  subscribe(channel: string, listener: NotificationListener): () => void {
    let set = this.listeners.get(channel);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(channel, set);
      if (this.client !== undefined) this.listen(this.client, channel);
    }
    set.add(listener);
    this.ensureConnected();
    return () => {
      const current = this.listeners.get(channel);
      current?.delete(listener);
      if (current?.size === 0) {
        this.listeners.delete(channel);
        this.client?.query(`UNLISTEN ${quoteIdent(channel)}`).catch(() => {});
      }
    };
  }

  /** The server process id of the listening connection, if connected (for diagnostics and tests). */
  get backendPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await endConnection(client);
  }

  private ensureConnected(): void {
    if (this.closed || this.client !== undefined || this.connecting !== undefined) return;
    if (this.reconnectTimer !== undefined) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      ...clientConfig(this.config),
      application_name: APPLICATION_NAME,
    });
    client.on('notification', (message) => this.dispatch(message.channel, message.payload ?? ''));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      unrefConnection(client);
      for (const channel of this.listeners.keys()) {
        await client.query(`LISTEN ${quoteIdent(channel)}`);
      }
    } catch {
      this.lost(client);
      return;
    }
    this.client = client;
    this.reconnectAttempt = 0;
    // Anything sent before these LISTENs took effect (since the subscriber's last look, or while
    // a dropped connection was down) was missed: every subscriber looks again.
    for (const channel of this.listeners.keys()) this.dispatch(channel, '*');
  }

  private listen(client: pg.Client, channel: string): Promise<void> {
    return client.query(`LISTEN ${quoteIdent(channel)}`).then(
      // Subscribers of a new channel looked before its LISTEN took effect: they look again.
      () => this.dispatch(channel, '*'),
      () => this.lost(client),
    );
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
    client.end().catch(() => {});
    if (this.closed || this.reconnectTimer !== undefined || this.listeners.size === 0) return;
    const delay =
      RECONNECT_DELAYS_MS[Math.min(this.reconnectAttempt, RECONNECT_DELAYS_MS.length - 1)]!;
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ensureConnected();
    }, delay);
    this.reconnectTimer.unref();
  }

  private dispatch(channel: string, payload: string): void {
    for (const listener of this.listeners.get(channel) ?? []) {
      try {
        listener(payload);
      } catch {
        // A subscriber's failure is its own; the others still get woken.
      }
    }
  }
}

/** A listening connection alone must not keep the process running. */
function socketOf(client: pg.Client): { ref?: () => void; unref?: () => void } | undefined {
  return (client as unknown as { connection?: { stream?: { ref?(): void; unref?(): void } } })
    .connection?.stream;
}

function unrefConnection(client: pg.Client): void {
  socketOf(client)?.unref?.();
}

/**
 * Ends the listening connection holding the process alive until it has ended: with its socket
 * unref'd, a process awaiting `close()` could run out of work and exit first (with code 13 under
 * a top-level await, as the SDK's CLI closes the World before it exits).
 */
async function endConnection(client: pg.Client): Promise<void> {
  socketOf(client)?.ref?.();
  await client.end().catch(() => {});
}
