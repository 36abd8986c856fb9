import {
  decodeBinary,
  encodeBinary,
  InvalidInputError,
  type MessageId,
  newId,
  parseQueueName,
  type QueueOptions,
  type QueuePayload,
} from '@worldkit/world';
import type { Database } from '../database.js';

/**
 * queue(): one statement that inserts the message, or finds the live message holding the same
 * idempotency key, and NOTIFYs consumers when the message is due now. Resolves once committed.
 */
export async function enqueue(
  db: Database,
  queueName: string,
  payload: QueuePayload,
  options: QueueOptions = {},
): Promise<{ messageId: MessageId }> {
  const { kind } = parseQueueName(queueName);
  if (typeof payload !== 'object' || payload === null) {
    throw new InvalidInputError('payload', 'expected an object');
  }
  const delaySeconds = options.delaySeconds ?? 0;
  if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0) {
    throw new InvalidInputError('opts.delaySeconds', 'expected a non-negative number of seconds');
  }
  const { idempotencyKey, headers } = options;
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || idempotencyKey === '')
  ) {
    throw new InvalidInputError('opts.idempotencyKey', 'expected a non-empty string');
  }
  if (headers !== undefined && !isStringRecord(headers)) {
    throw new InvalidInputError('opts.headers', 'expected an object of string values');
  }
  const runId = kind === 'workflow' ? (payload as { runId?: unknown }).runId : undefined;
  const { rows } = await db.query<{ message_id: MessageId }>(
    `SELECT ${db.schema}.enqueue_message($1, $2, $3, $4, $5, $6, $7, $8) AS message_id`,
    [
      newId('message'),
      queueName,
      encodeBinary(payload),
      headers === undefined ? null : JSON.stringify(headers),
      idempotencyKey ?? null,
      options.deploymentId ?? null,
      typeof runId === 'string' ? runId : null,
      Math.round(delaySeconds * 1000),
    ],
  );
  return { messageId: rows[0]!.message_id };
}

/** Whether a workflow message for the run is pending, delayed or in flight. */
export async function hasLiveMessage(
  db: Database,
  runId: string,
  queueName: string,
): Promise<boolean> {
  const { rows } = await db.query<{ live: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${db.schema}.messages WHERE run_id = $1 AND queue_name = $2) AS live`,
    [runId, queueName],
  );
  return rows[0]?.live ?? false;
}

export function decodePayload(bytes: Uint8Array): unknown {
  return decodeBinary(bytes);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}
