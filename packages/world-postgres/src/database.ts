import { WorldClosedError } from '@worldkit/world';
import type pg from 'pg';
import type { ResolvedConfig } from './config.js';
import { isServerBusy, missingSchemaError, translateError } from './errors.js';
import { migrate, migrationStatus } from './migrate.js';
import { acquirePool, type PoolLease, prepared, processShared, quoteIdent } from './pool.js';
import { retrying } from './retry.js';

/**
 * Schemas found ready, per pool: the check (or migration) runs once per process and schema,
 * however many World instances share the pool. A failed check is forgotten so the next call
 * tries again.
 */
const readiness = processShared(
  Symbol.for('@worldkit/world-postgres/ready'),
  () => new WeakMap<pg.Pool, Map<string, Promise<void>>>(),
);

/** How long a statement waits for the server to accept a new connection (see isServerBusy). */
const SERVER_BUSY_PATIENCE_MS = 10_000;

/**
 * Runs `attempt`, and runs it again while the server refuses new connections for now (out of
 * slots, starting up): such a refusal comes before the statement ran, so nothing is repeated.
 */
function whenServerHasRoom<T>(attempt: () => Promise<T>): Promise<T> {
  return retrying(attempt, {
    firstPauseMs: 50,
    maxPauseMs: 1_000,
    deadline: Date.now() + SERVER_BUSY_PATIENCE_MS,
    retryOn: isServerBusy,
  });
}

/**
 * One World instance's access to PostgreSQL: a lazily acquired shared pool, the schema made
 * ready on first use, and errors translated into ones that say what to do.
 */
export class Database {
  /** The schema as a quoted identifier, for statement texts. */
  readonly schema: string;
  private lease: PoolLease | undefined;
  private consumerLease: PoolLease | undefined;
  private closed = false;

  constructor(readonly config: ResolvedConfig) {
    this.schema = quoteIdent(config.schema);
  }

  get pool(): pg.Pool {
    if (this.closed) throw new WorldClosedError();
    this.lease ??= acquirePool(this.config);
    return this.lease.pool;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Makes sure the schema is migrated (or, with migration off, that it is). */
  ready(): Promise<void> {
    const pool = this.pool;
    let perPool = readiness.get(pool);
    if (perPool === undefined) {
      perPool = new Map();
      readiness.set(pool, perPool);
    }
    const key = `${this.config.schema}\u0000${this.config.migrate}`;
    let ready = perPool.get(key);
    if (ready === undefined) {
      ready = this.prepareSchema().catch((error) => {
        perPool.delete(key);
        throw translateError(error, this.config);
      });
      perPool.set(key, ready);
    }
    return ready;
  }

  private async prepareSchema(): Promise<void> {
    const status = await whenServerHasRoom(() => migrationStatus(this.pool, this.config.schema));
    if (status.pending.length === 0) return;
    if (!this.config.migrate) throw missingSchemaError(this.config);
    await whenServerHasRoom(() => migrate(this.pool, this.config.schema));
  }

  /** Runs a prepared (named) statement once the schema is ready. */
  async query<Row extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    await this.ready();
    try {
      return await whenServerHasRoom(() => this.pool.query<Row>(prepared(text, values)));
    } catch (error) {
      throw translateError(error, this.config);
    }
  }

  /**
   * Runs a prepared statement of the queue consumer (claim, renew, settle) on the consumer pool,
   * whose commits do not wait for the WAL flush: see `acquirePool`.
   */
  async queryConsumer<Row extends pg.QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> {
    await this.ready();
    if (this.closed) throw new WorldClosedError();
    this.consumerLease ??= acquirePool(this.config, 'consumer');
    const lease = this.consumerLease;
    try {
      return await whenServerHasRoom(() => lease.pool.query<Row>(prepared(text, values)));
    } catch (error) {
      throw translateError(error, this.config);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const leases = [this.lease, this.consumerLease];
    this.lease = undefined;
    this.consumerLease = undefined;
    await Promise.all(leases.map((lease) => lease?.release()));
  }
}
