import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 signatures of deliveries. The canonical string covers everything the handler acts
 * on: the timestamp (so captured requests go stale), a nonce (so no two deliveries share a
 * signature, and a repeated one is a replay), the attempt, the queue name, the message id and the
 * body. Header values are JSON-quoted so no field can bleed into the next.
 */

const SCHEME = 'v2';

/** A fresh nonce for one signed delivery: 128 random bits as hex. */
export function newDeliveryNonce(): string {
  return randomBytes(16).toString('hex');
}

/** How far a signature's timestamp may be from the handler's clock, either way. */
export const DEFAULT_SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export interface SignedFields {
  timestamp: number;
  nonce: string;
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
  fields: Omit<SignedFields, 'timestamp' | 'nonce'> & {
    timestamp: number | undefined;
    nonce: string | undefined;
  },
  now: number,
  toleranceMs: number = DEFAULT_SIGNATURE_TOLERANCE_MS,
): SignatureCheck {
  const { timestamp, nonce } = fields;
  if (signature === null || signature === '' || timestamp === undefined || nonce === undefined) {
    return { valid: false, reason: 'missing' };
  }
  const prefix = `${SCHEME}=`;
  if (!signature.startsWith(prefix) || !/^[0-9a-f]{64}$/.test(signature.slice(prefix.length))) {
    return { valid: false, reason: 'malformed' };
  }
  if (Math.abs(now - timestamp) > toleranceMs) return { valid: false, reason: 'stale' };
  const expected = digest(secret, { ...fields, timestamp, nonce });
  const given = Buffer.from(signature.slice(prefix.length), 'hex');
  return timingSafeEqual(expected, given) ? { valid: true } : { valid: false, reason: 'mismatch' };
}

function digest(secret: string, fields: SignedFields): Buffer {
  return createHmac('sha256', secret)
    .update(
      `${SCHEME}\n${fields.timestamp}\n${JSON.stringify(fields.nonce)}\n${fields.attempt}\n${JSON.stringify(fields.queueName)}\n${JSON.stringify(fields.messageId)}\n`,
    )
    .update(fields.body)
    .digest();
}
