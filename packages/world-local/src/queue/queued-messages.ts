import type { LocalWorldOptions } from '../config.js';
import { resolveConfig } from '../config.js';
import { AppendFiles } from '../fs/append-file.js';
import { Layout } from '../fs/layout.js';
import { QueueJournal } from './queue-journal.js';

export interface QueuedMessageSummary {
  id: string;
  queueName: string;
  /** Epoch ms of the next delivery. */
  due: number;
  /** Number of the next delivery. */
  attempt: number;
  idempotencyKey?: string;
  /** A consumer is delivering it now. */
  leased: boolean;
}

/** The messages not yet acknowledged in a data directory's queue: for diagnostics and tests. */
export function listQueuedMessages(
  options: Pick<LocalWorldOptions, 'dataDir'> = {},
): QueuedMessageSummary[] {
  const files = new AppendFiles(1, false);
  const journal = new QueueJournal(new Layout(resolveConfig(options).dataDir).queueJournal, files);
  try {
    journal.refresh();
  } finally {
    files.closeAll();
  }
  return [...journal.messages.values()].map((message) => ({
    id: message.id,
    queueName: message.queueName,
    due: message.due,
    attempt: message.attempt,
    leased: message.lease !== undefined,
    ...(message.idempotencyKey === undefined ? {} : { idempotencyKey: message.idempotencyKey }),
  }));
}
