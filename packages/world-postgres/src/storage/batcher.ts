import type { QueryResultRow } from 'pg';
import type { Database } from '../database.js';
import { isConnectionError } from '../errors.js';
import {
  appendManyStatement,
  appendOneStatement,
  batchParameters,
  rowsPerAppend,
  runIdOf,
} from './append-wire.js';

interface Pending<Row> {
  values: unknown[];
  resolve(rows: Row[]): void;
  reject(error: unknown): void;
}

/**
 * Coalesces concurrent appends into fewer round trips. While `maxInFlight` statements are out,
 * further appends queue up; the next free slot sends everything queued as one append_events()
 * call: one round trip and one commit for the lot, each append still decided on its own. A lone
 * append goes out at once as append_event(), so a single writer never waits for company.
 *
 * Appends are sorted by run within a batch so that concurrent batches take the runs' locks in
 * one order. A batch the server refuses as a whole (a constraint violation, a deadlock) is sent
 * again one append at a time, so only the append at fault fails.
 */
export class AppendBatcher<Row extends QueryResultRow & { batch_index: number | null }> {
  private readonly queue: Pending<Row>[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Database,
    private readonly maxInFlight: number,
    private readonly maxBatch = 64,
  ) {}

  submit(values: unknown[]): Promise<Row[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ values, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      const sent = batch.length === 1 ? this.sendOne(batch[0]!) : this.sendMany(batch);
      void sent.finally(() => {
        this.inFlight--;
        this.drain();
      });
    }
  }

  private async sendOne(pending: Pending<Row>): Promise<void> {
    try {
      const { rows } = await this.db.query<Row>(appendOneStatement(this.db.schema), pending.values);
      pending.resolve(rows);
    } catch (error) {
      pending.reject(error);
    }
  }

  private async sendMany(batch: Pending<Row>[]): Promise<void> {
    const ordered = [...batch].sort((a, b) =>
      runIdOf(a.values) < runIdOf(b.values) ? -1 : runIdOf(a.values) > runIdOf(b.values) ? 1 : 0,
    );
    let rows: Row[];
    try {
      ({ rows } = await this.db.query<Row>(
        appendManyStatement(this.db.schema),
        batchParameters(ordered.map((pending) => pending.values)),
      ));
    } catch (error) {
      if (isConnectionError((error as { cause?: unknown }).cause ?? error)) {
        for (const pending of ordered) pending.reject(error);
        return;
      }
      await Promise.all(ordered.map((pending) => this.sendOne(pending)));
      return;
    }
    const perAppend = rowsPerAppend(rows, ordered.length);
    for (const [i, pending] of ordered.entries()) pending.resolve(perAppend[i]!);
  }
}
