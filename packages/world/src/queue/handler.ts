import { parseJsonSafe } from '../codec/json.js';
import { InvalidInputError } from '../errors.js';
import type { MessageId, QueueHandler, QueueKind, QueuePrefix } from '../schemas/queue.js';
import { getQueuePrefixKind, parseQueueName } from './names.js';
import { DELIVERY_HEADERS, type HandlerResponseBody, resolveQueueSecret } from './protocol.js';
import { ReplayGuard } from './replay-guard.js';
import { DEFAULT_SIGNATURE_TOLERANCE_MS, verifyDelivery } from './signing.js';

export interface QueueHandlerOptions {
  /**
   * Shared secret for signed deliveries; defaults to `WORKFLOW_QUEUE_SECRET`, read per request.
   * When one is set, unsigned, tampered and stale deliveries are refused with 401, and a signed
   * delivery this handler already accepted with 409.
   */
  secret?: string;
  /** How far a signature's timestamp may be from this clock, either way (default 5 minutes). */
  signatureToleranceMs?: number;
  /**
   * How many accepted signatures are remembered to refuse replays (default 100,000, about 17 MB
   * when full); each is forgotten once stale, the oldest first when more arrive.
   */
  replayMemory?: number;
  /** Clock for the staleness check; injected by tests. */
  now?: () => number;
}

/** Enough for the signatures of 300 deliveries a second over a five-minute tolerance window. */
export const DEFAULT_REPLAY_MEMORY = 100_000;

interface DeliveryFields {
  queueName: string;
  messageId: string;
  attempt: number;
  timestamp: number | undefined;
  nonce: string | undefined;
}

/**
 * The HTTP side of delivery: what a World returns from `createQueueHandler(prefix, handler)`.
 *
 * It serves every queue name of the prefix's *kind*, whatever its namespace, and hands the
 * handler `queueName = prefix + id`: runtime 4.8.9 dispatches steps without the namespace its
 * step handler was created with, and slices the name by its own prefix length. The function
 * holds no `this`, so the runtime may call it detached.
 *
 * Answers: 200 `{ok: true}` (ack), 200 `{timeoutSeconds}` (deliver the same payload again after
 * that many seconds, 0 included), 400 (malformed delivery or another kind of queue), 401 (bad or
 * missing signature while a secret is set), 409 (a copy of a signed delivery this handler already
 * received), 500 `{error}` (the handler threw).
 */
export function createQueueHandler(
  prefix: QueuePrefix,
  handler: QueueHandler,
  options: QueueHandlerOptions = {},
): (req: Request) => Promise<Response> {
  const kind = getQueuePrefixKind(prefix);
  const toleranceMs = options.signatureToleranceMs ?? DEFAULT_SIGNATURE_TOLERANCE_MS;
  const now = options.now ?? Date.now;
  const replays = new ReplayGuard(replayMemoryOf(options.replayMemory));

  /** 401 for a bad signature, 409 for a copy of an accepted one, undefined to go on. */
  function signatureRefusal(
    secret: string,
    signature: string | null,
    fields: DeliveryFields | string,
    body: string,
  ): Response | undefined {
    if (typeof fields === 'string') return reply(401, { error: 'delivery signature malformed' });
    const receivedAt = now();
    const check = verifyDelivery(secret, signature, { ...fields, body }, receivedAt, toleranceMs);
    if (!check.valid) return reply(401, { error: `delivery signature ${check.reason}` });
    // Valid, so the signature and the timestamp are there. A copy is refused with a 4xx, which
    // the deliverer never repeats: it delivers again later as a new attempt, signed anew.
    const staleAt = (fields.timestamp as number) + toleranceMs;
    if (!replays.admit(signature as string, staleAt, receivedAt)) {
      return reply(409, { error: 'delivery replayed: this signed request was already received' });
    }
    return undefined;
  }

  return async (req: Request): Promise<Response> => {
    if (req.method !== 'POST') return reply(405, { error: `method ${req.method} not allowed` });
    const body = await req.text();
    const fields = readDeliveryFields(req.headers);

    const secret = resolveQueueSecret(options.secret);
    if (secret !== undefined) {
      const refusal = signatureRefusal(
        secret,
        req.headers.get(DELIVERY_HEADERS.signature),
        fields,
        body,
      );
      if (refusal !== undefined) return refusal;
    }

    if (typeof fields === 'string') return reply(400, { error: fields });
    if (body.length === 0) return reply(400, { error: 'missing body' });
    const target = handledQueueName(fields.queueName, prefix, kind);
    if (target === undefined) return reply(400, { error: `Unhandled queue ${fields.queueName}` });

    let message: unknown;
    try {
      message = parseJsonSafe(body);
    } catch (error) {
      return reply(400, { error: `invalid body: ${messageOf(error)}` });
    }

    let outcome: unknown;
    try {
      outcome = await handler(message, {
        attempt: fields.attempt,
        queueName: target,
        messageId: fields.messageId as MessageId,
      });
    } catch (error) {
      return reply(500, { error: messageOf(error) });
    }
    return replyToOutcome(outcome);
  };
}

/** The handler's queue name for a delivered one, or undefined when it is another kind. */
function handledQueueName(
  queueName: string,
  prefix: QueuePrefix,
  kind: QueueKind,
): string | undefined {
  try {
    const parsed = parseQueueName(queueName);
    return parsed.kind === kind ? prefix + parsed.id : undefined;
  } catch {
    return undefined;
  }
}

/** The delivery's header fields, or a description of what is wrong with them. */
function readDeliveryFields(headers: Headers): DeliveryFields | string {
  const queueName = decodeHeader(headers.get(DELIVERY_HEADERS.queueName));
  if (queueName === undefined) return `missing or malformed ${DELIVERY_HEADERS.queueName} header`;
  const messageId = decodeHeader(headers.get(DELIVERY_HEADERS.messageId));
  if (messageId === undefined) return `missing or malformed ${DELIVERY_HEADERS.messageId} header`;
  const attemptText = headers.get(DELIVERY_HEADERS.attempt);
  if (attemptText === null || !/^[1-9][0-9]{0,8}$/.test(attemptText)) {
    return `missing or malformed ${DELIVERY_HEADERS.attempt} header (a positive integer)`;
  }
  const timestampText = headers.get(DELIVERY_HEADERS.timestamp);
  const timestamp =
    timestampText !== null && /^[0-9]{1,16}$/.test(timestampText)
      ? Number(timestampText)
      : undefined;
  const nonceText = headers.get(DELIVERY_HEADERS.nonce);
  const nonce = nonceText !== null && /^[0-9a-f]{32}$/.test(nonceText) ? nonceText : undefined;
  return { queueName, messageId, attempt: Number(attemptText), timestamp, nonce };
}

function replayMemoryOf(value: number | undefined): number {
  if (value === undefined) return DEFAULT_REPLAY_MEMORY;
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidInputError('replayMemory', 'expected a positive integer');
  }
  return value;
}

function decodeHeader(value: string | null): string | undefined {
  if (value === null || value === '') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function replyToOutcome(outcome: unknown): Response {
  if (outcome === undefined || outcome === null) return reply(200, { ok: true });
  const timeoutSeconds = (outcome as { timeoutSeconds?: unknown }).timeoutSeconds;
  if (timeoutSeconds === undefined) return reply(200, { ok: true });
  if (
    typeof timeoutSeconds !== 'number' ||
    !Number.isFinite(timeoutSeconds) ||
    timeoutSeconds < 0
  ) {
    return reply(500, {
      error: `queue handler returned an invalid timeoutSeconds: ${String(timeoutSeconds)}`,
    });
  }
  return reply(200, { timeoutSeconds });
}

function reply(status: number, body: HandlerResponseBody): Response {
  return Response.json(body, { status });
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String((error as { message: unknown }).message);
  }
  return String(error);
}
