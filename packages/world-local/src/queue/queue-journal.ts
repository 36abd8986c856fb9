import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AppendFiles } from '../fs/append-file.js';
import type { ProcessIdentity } from '../fs/process-identity.js';
import { encodeRecord, parseRecords } from '../fs/record-log.js';

/** One queued message as the journal says it is now. */
export interface QueuedMessage {
  id: string;
  queueName: string;
  payload: unknown;
  idempotencyKey?: string;
  headers?: Record<string, string>;
  deploymentId?: string;
  /** Epoch ms before which it is not delivered. */
  due: number;
  /** 1-based number of the next delivery. */
  attempt: number;
  lease?: Lease;
}

export interface Lease {
  /** The consumer holding it (a random id per World engine). */
  owner: string;
  process: ProcessIdentity;
  expiresAt: number;
}

/**
 * The queue's journal: every state change of every message is one operation, and a batch of
 * operations is one framed record appended under the queue's lock, which is its commit point.
 * Replaying the journal gives the live messages; acked ones are forgotten. When most of the file
 * is dead history it is rewritten with the live messages only and renamed over the old one
 * (readers notice the new inode and reload).
 */
export type QueueOp =
  | { op: 'enqueue'; message: Omit<QueuedMessage, 'lease'> }
  | { op: 'lease'; id: string; lease: Lease }
  | { op: 'renew'; ids: string[]; owner: string; expiresAt: number }
  /** Ends a delivery without finishing: next delivery at `due`, numbered `attempt`. */
  | { op: 'reschedule'; id: string; due: number; attempt: number }
  | { op: 'ack'; id: string };

interface JournalRecord {
  ops: QueueOp[];
}

/** Rewrite the journal once it is this large and at least three quarters dead history. */
const COMPACT_MIN_BYTES = 4 * 1024 * 1024;

export class QueueJournal {
  readonly messages = new Map<string, QueuedMessage>();
  readonly byKey = new Map<string, string>();
  private offset = 0;
  private observedSize = 0;
  private inode = -1;
  /** Bytes of enqueue records of messages still live, to judge when compaction pays. */
  private liveBytes = 0;
  private readonly sizes = new Map<string, number>();

  constructor(
    private readonly path: string,
    private readonly files: AppendFiles,
  ) {}

  /** Catches up with the file, from any process; lock-free. */
  refresh(): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.path);
    } catch {
      return;
    }
    if (stat.ino !== this.inode) {
      // Compaction replaced the file: start over from the new one.
      this.files.drop(this.path);
      this.reset();
      this.inode = stat.ino;
    }
    const fd = this.files.fd(this.path, true)!;
    const size = this.files.size(fd);
    this.observedSize = size;
    if (size <= this.offset) return;
    const parsed = parseRecords<JournalRecord>(this.files.read(fd, this.offset, size), this.offset);
    for (const record of parsed.records) {
      for (const op of record.value.ops) this.apply(op, record.end - record.offset);
      this.offset = record.end;
    }
  }

  /** Appends operations; the caller holds the queue lock and refreshed under it. */
  commit(ops: QueueOp[]): void {
    if (ops.length === 0) return;
    const fd = this.files.fd(this.path, true)!;
    if (this.inode === -1) this.inode = fs.fstatSync(fd).ino;
    if (this.observedSize > this.offset) this.files.truncate(fd, this.offset);
    const bytes = encodeRecord({ ops } satisfies JournalRecord);
    this.files.append(fd, bytes);
    const start = this.offset;
    for (const op of ops) this.apply(op, bytes.byteLength);
    this.offset = start + bytes.byteLength;
    this.observedSize = this.offset;
  }

  /** Rewrites the journal with only the live messages when that shrinks it a lot; under the lock. */
  compactIfWorthIt(syncWrites: boolean): void {
    if (this.offset < COMPACT_MIN_BYTES || this.liveBytes * 4 > this.offset) return;
    const ops: QueueOp[] = [];
    for (const message of this.messages.values()) {
      const { lease, ...rest } = message;
      ops.push({ op: 'enqueue', message: rest });
      if (lease !== undefined) ops.push({ op: 'lease', id: message.id, lease });
    }
    const staging = `${this.path}.${randomBytes(6).toString('hex')}.compact`;
    const fd = fs.openSync(staging, 'w');
    try {
      fs.writeSync(fd, encodeRecord({ ops } satisfies JournalRecord));
      if (syncWrites) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(staging, this.path);
    this.files.drop(this.path);
    this.reset();
    this.refresh();
  }

  private reset(): void {
    this.messages.clear();
    this.byKey.clear();
    this.sizes.clear();
    this.offset = 0;
    this.observedSize = 0;
    this.liveBytes = 0;
    this.inode = -1;
  }

  private apply(op: QueueOp, recordBytes: number): void {
    switch (op.op) {
      case 'enqueue': {
        const { message } = op;
        this.messages.set(message.id, { ...message });
        if (message.idempotencyKey !== undefined)
          this.byKey.set(message.idempotencyKey, message.id);
        this.sizes.set(message.id, recordBytes);
        this.liveBytes += recordBytes;
        return;
      }
      case 'lease': {
        const message = this.messages.get(op.id);
        if (message !== undefined) message.lease = op.lease;
        return;
      }
      case 'renew':
        for (const id of op.ids) {
          const lease = this.messages.get(id)?.lease;
          if (lease?.owner === op.owner) lease.expiresAt = op.expiresAt;
        }
        return;
      case 'reschedule': {
        const message = this.messages.get(op.id);
        if (message === undefined) return;
        message.due = op.due;
        message.attempt = op.attempt;
        delete message.lease;
        return;
      }
      case 'ack': {
        const message = this.messages.get(op.id);
        if (message === undefined) return;
        this.messages.delete(op.id);
        if (
          message.idempotencyKey !== undefined &&
          this.byKey.get(message.idempotencyKey) === op.id
        ) {
          this.byKey.delete(message.idempotencyKey);
        }
        this.liveBytes -= this.sizes.get(op.id) ?? 0;
        this.sizes.delete(op.id);
        return;
      }
    }
  }
}
