import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 signatures of deliveries. The canonical string covers everything the handler acts
 * on: the timestamp (so captured requests go stale), the attempt, the queue name, the message id
 * and the body. Header values are JSON-quoted so no field can bleed into the next.
 */

const SCHEME = 'v1';

/** How far a signature's timestamp may be from the handler's clock, either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export interface SignedFields {
  timestamp: number;
  queueName: string;
  messageId: string;
  attempt: number;
  body: string;
}

export function signDelivery(secret: string, fields: SignedFields): string {
  return `${SCHEME}=${digest(secret, fields).toString('hex')}`;
}

export type SignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/** Checks a signature header against the fields, in constant time for the comparison. */
export function verifyDelivery(
  secret: string,
  signature: string | null,
  fields: Omit<SignedFields, 'timestamp'> & { timestamp: number | undefined },
  now: number,
  toleranceMs: number = DEFAULT_SIGNATURE_TOLERANCE_MS,
): SignatureCheck {
  if (signature === null || signature === '' || fields.timestamp === undefined) {
    return { valid: false, reason: 'missing' };
  }
  const prefix = `${SCHEME}=`;
  if (!signature.startsWith(prefix) || !/^[0-9a-f]{64}$/.test(signature.slice(prefix.length))) {
    return { valid: false, reason: 'malformed' };
  }
  if (Math.abs(now - fields.timestamp) > toleranceMs) return { valid: false, reason: 'stale' };
  const expected = digest(secret, { ...fields, timestamp: fields.timestamp });
  const given = Buffer.from(signature.slice(prefix.length), 'hex');
  return timingSafeEqual(expected, given) ? { valid: true } : { valid: false, reason: 'mismatch' };
}

function digest(secret: string, fields: SignedFields): Buffer {
  return createHmac('sha256', secret)
    .update(
      `${SCHEME}\n${fields.timestamp}\n${fields.attempt}\n${JSON.stringify(fields.queueName)}\n${JSON.stringify(fields.messageId)}\n`,
    )
    .update(fields.body)
    .digest();
}
