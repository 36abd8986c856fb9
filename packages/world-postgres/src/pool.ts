import pg from 'pg';
import type { ResolvedConfig } from './config.js';

/**
 * Pools are shared per process, keyed by connection settings: the runtime builds the World twice
 * per process (and tests build many), and each instance must not open its own connections.
 * They live on globalThis so that an ESM and a CJS copy of this module share them too.
 */
interface SharedPool {
  pool: pg.Pool;
  users: number;
}

const POOLS_KEY = Symbol.for('@worldkit/world-postgres/pools');
const pools = processShared(POOLS_KEY, () => new Map<string, SharedPool>());

/**
 * Type parsing for this World's connections only (never pg's global parsers, which the app may
 * rely on): int8 carries epoch ms and counters, all far below 2^53.
 */
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PoolLease {
  pool: pg.Pool;
  /** Gives the pool back; the last user ends it. A caller-owned pool is never ended. */
  release(): Promise<void>;
}

/**
 * `storage`: the World's pool (`maxPoolSize` connections, the caller's pool when one was given).
 * `consumer`: one connection for the queue consumer's claims, lease renewals and
 * acknowledgements, which commit without waiting for the WAL flush (`synchronous_commit=off`):
 * losing one in a crash only means a message is delivered again, and delivery latency then pays
 * for one flush (the enqueue's) instead of three.
 */
export function acquirePool(
  config: ResolvedConfig,
  purpose: 'storage' | 'consumer' = 'storage',
): PoolLease {
  if (config.pool !== undefined && purpose === 'storage') {
    const pool = config.pool;
    return { pool, release: async () => {} };
  }
  const max = purpose === 'consumer' ? 1 : config.maxPoolSize;
  const target = clientConfig(config);
  const key = `${purpose}\u0000${JSON.stringify({ ...target, types: undefined })}\u0000${max}`;
  let shared = pools.get(key);
  if (shared === undefined) {
    const pool = new pg.Pool({
      ...target,
      ...(purpose === 'consumer' ? { options: '-c synchronous_commit=off' } : {}),
      max,
      // Idle connections are closed so an idle process holds none, and never keep it alive.
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    // An idle connection broken by a server restart is reported here; the pool drops it and the
    // next query connects afresh. Without a listener the error would crash the process.
    pool.on('error', () => {});
    shared = { pool, users: 0 };
    pools.set(key, shared);
  }
  shared.users += 1;
  const entry = shared;
  let released = false;
  return {
    pool: entry.pool,
    async release() {
      if (released) return;
      released = true;
      entry.users -= 1;
      if (entry.users === 0 && pools.get(key) === entry) {
        pools.delete(key);
        await entry.pool.end();
      }
    },
  };
}

/** Client settings for a dedicated (non-pooled) connection with the same target and parsing. */
export function clientConfig(config: ResolvedConfig): pg.ClientConfig {
  const options = config.pool?.options as pg.PoolConfig | undefined;
  const base: pg.ClientConfig =
    options !== undefined
      ? { ...options }
      : config.connectionString === undefined
        ? {}
        : { connectionString: config.connectionString };
  return { ...base, types };
}

/** A short, stable prepared-statement name for a statement text (names are per connection). */
export function statementName(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  let second = 0x9e3779b9;
  for (let i = text.length - 1; i >= 0; i--) {
    second ^= text.charCodeAt(i);
    second = Math.imul(second, 0x85ebca6b);
  }
  return `wk_${(hash >>> 0).toString(36)}${(second >>> 0).toString(36)}`;
}

/** A named (prepared once per connection) query. */
export function prepared(text: string, values: unknown[]): pg.QueryConfig {
  return { name: statementName(text), text, values };
}

/** A schema name as a quoted identifier (names are validated lower-case identifiers). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** One value per process under `key`, however many copies of this module are loaded. */
export function processShared<T>(key: symbol, create: () => T): T {
  const store = globalThis as Record<symbol, unknown>;
  if (!(key in store)) store[key] = create();
  return store[key] as T;
}
