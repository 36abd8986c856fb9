import {
  checkQueueCall,
  encodeBinary,
  type MessageId,
  newId,
  type QueueOptions,
  type QueuePayload,
} from '@worldkit/world';
import type { Database } from '../database.js';

/**
 * A delivery slot the enqueuing process's own consumer holds for a message due now: the message
 * is inserted already leased to it and handed over right after commit, saving the NOTIFY and
 * the claim on the way to the handler.
 */
export interface LocalClaim {
  leaseToken: string;
  leaseMs: number;
  /** The message was inserted under the lease: deliver it. */
  claimed(message: ClaimedMessage): void;
  /** Not used (an existing message holds the idempotency key, or the insert failed). */
  release(): void;
}

export interface ClaimedMessage {
  message_id: string;
  queue_name: string;
  payload: Buffer;
  headers: Record<string, string> | null;
  attempt: number;
  lease_token: string;
}

/**
 * queue(): one statement that inserts the message, or finds the live message holding the same
 * idempotency key, and NOTIFYs consumers when the message is due now. Resolves once committed.
 */
export async function enqueue(
  db: Database,
  queueName: string,
  payload: QueuePayload,
  options: QueueOptions = {},
  reserveLocalClaim?: () => LocalClaim | undefined,
): Promise<{ messageId: MessageId }> {
  const { delaySeconds, idempotencyKey, headers, wakesRun } = checkQueueCall(
    queueName,
    payload,
    options,
  );
  const messageId = newId('message');
  const encoded = encodeBinary(payload) as Buffer;
  const claim = delaySeconds === 0 ? reserveLocalClaim?.() : undefined;
  let stored: MessageId;
  try {
    const { rows } = await db.query<{ message_id: MessageId }>(
      `SELECT ${db.schema}.enqueue_message($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS message_id`,
      [
        messageId,
        queueName,
        encoded,
        headers === undefined ? null : JSON.stringify(headers),
        idempotencyKey ?? null,
        options.deploymentId ?? null,
        wakesRun ?? null,
        Math.round(delaySeconds * 1000),
        claim?.leaseToken ?? null,
        claim?.leaseMs ?? null,
      ],
    );
    stored = rows[0]!.message_id;
  } catch (error) {
    claim?.release();
    throw error;
  }
  if (claim !== undefined) {
    if (stored === messageId) {
      claim.claimed({
        message_id: messageId,
        queue_name: queueName,
        payload: encoded,
        headers: headers ?? null,
        attempt: 1,
        lease_token: claim.leaseToken,
      });
    } else {
      claim.release();
    }
  }
  return { messageId: stored };
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
