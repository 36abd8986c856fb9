import type { QueueKind } from '../schemas/queue.js';

/**
 * The delivery protocol between a World's delivery loop and its own `createQueueHandler`. It is
 * private to Worldkit Worlds (the runtime only sees the handler's arguments), so it can change
 * together with both ends, which always ship in this package.
 *
 * A delivery is `POST <baseUrl>/.well-known/workflow/v1/{flow|step}` with the payload as
 * `stringifyJsonSafe` JSON. Queue name and message id travel percent-encoded, so any name the
 * runtime builds fits in a header.
 */
export const DELIVERY_HEADERS = {
  queueName: 'x-worldkit-queue-name',
  messageId: 'x-worldkit-message-id',
  attempt: 'x-worldkit-attempt',
  /** Epoch milliseconds when the request was signed. */
  timestamp: 'x-worldkit-timestamp',
  /** Signed deliveries only: random hex, new for every request, so no two share a signature. */
  nonce: 'x-worldkit-nonce',
  /** `v2=<hex HMAC-SHA256>` of the canonical string (see `signing.ts`). */
  signature: 'x-worldkit-signature',
} as const;

/** The app route that serves each kind of queue. */
export const DELIVERY_ROUTES: Record<QueueKind, string> = {
  workflow: '/.well-known/workflow/v1/flow',
  step: '/.well-known/workflow/v1/step',
};

/** The env var holding the shared signing secret of deliveries. */
export const QUEUE_SECRET_ENV = 'WORKFLOW_QUEUE_SECRET';

/** The signing secret: the option, else `WORKFLOW_QUEUE_SECRET` (read on every call), else none. */
export function resolveQueueSecret(secret: string | undefined): string | undefined {
  const resolved = secret ?? process.env[QUEUE_SECRET_ENV];
  return resolved === undefined || resolved === '' ? undefined : resolved;
}

/** What the handler answers; the deliverer reads it back into a `DeliveryOutcome`. */
export type HandlerResponseBody = { ok: true } | { timeoutSeconds: number } | { error: string };
