import {
  InvalidInputError,
  newId,
  parseJsonSafe,
  type QueueHandler,
  stringifyJsonSafe,
  ValidQueueNameSchema,
} from '@worldkit/world';

/**
 * The HTTP leg between the memory World's queue and the app's queue routes. A delivery POSTs the
 * payload (JSON with byte and date envelopes, so `Uint8Array` survives) with the queue name,
 * message id and attempt in headers; the route's handler answers 200 `{timeoutSeconds}` to be
 * called again later, 200 `{ok:true}` when done, or 500 when the handler threw.
 */

const HEADER = {
  queueName: 'x-wk-queue-name',
  messageId: 'x-wk-message-id',
  attempt: 'x-wk-attempt',
} as const;

export type DeliveryOutcome =
  | { kind: 'ack' }
  | { kind: 'redeliver'; timeoutSeconds: number }
  | { kind: 'failed'; status?: number; message: string };

export interface Delivery {
  queueName: string;
  messageId: string;
  attempt: number;
  payload: unknown;
  headers?: Record<string, string>;
}

/** `/.well-known/workflow/v1/flow` or `/step`, chosen by the queue name's kind. */
export function routeOf(queueName: string): 'flow' | 'step' {
  return /^__(?:[a-z][a-z0-9]*_)?wkf_step_/.test(queueName) ? 'step' : 'flow';
}

/**
 * The base URL deliveries go to, read at delivery time: the factory option, then
 * `WORKFLOW_LOCAL_BASE_URL`, then `PORT` on loopback.
 */
export function resolveBaseUrl(configured: string | undefined): string {
  const base = configured ?? process.env.WORKFLOW_LOCAL_BASE_URL;
  if (base) return base.replace(/\/+$/, '');
  const port = process.env.PORT;
  if (port) return `http://127.0.0.1:${port}`;
  throw new Error(
    'no delivery URL: set WORKFLOW_LOCAL_BASE_URL (or PORT) to the app that serves the queue routes',
  );
}

export async function deliver(
  baseUrl: string,
  delivery: Delivery,
  signal?: AbortSignal,
): Promise<DeliveryOutcome> {
  let response: Response;
  try {
    response = await fetch(`${baseUrl}/.well-known/workflow/v1/${routeOf(delivery.queueName)}`, {
      method: 'POST',
      headers: {
        ...delivery.headers,
        'content-type': 'application/json',
        [HEADER.queueName]: delivery.queueName,
        [HEADER.messageId]: delivery.messageId,
        [HEADER.attempt]: String(delivery.attempt),
      },
      body: stringifyJsonSafe(delivery.payload),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
  const text = await response.text();
  if (!response.ok) return { kind: 'failed', status: response.status, message: text };
  const body = safeJson(text) as { timeoutSeconds?: unknown } | undefined;
  const timeoutSeconds = body?.timeoutSeconds;
  if (
    typeof timeoutSeconds === 'number' &&
    Number.isFinite(timeoutSeconds) &&
    timeoutSeconds >= 0
  ) {
    return { kind: 'redeliver', timeoutSeconds };
  }
  return { kind: 'ack' };
}

/** The route handler for one queue prefix. Detached: it closes over nothing but its arguments. */
export function createQueueHandler(
  prefix: string,
  handler: QueueHandler,
): (request: Request) => Promise<Response> {
  return async (request) => {
    const queueName = request.headers.get(HEADER.queueName);
    const messageId = request.headers.get(HEADER.messageId);
    const attempt = Number(request.headers.get(HEADER.attempt));
    if (!queueName || !messageId || !Number.isInteger(attempt) || attempt < 1) {
      return Response.json({ error: 'missing queue delivery headers' }, { status: 400 });
    }
    if (!queueName.startsWith(prefix) || !ValidQueueNameSchema.safeParse(queueName).success) {
      return Response.json({ error: 'Unhandled queue' }, { status: 400 });
    }
    let payload: unknown;
    try {
      payload = parseJsonSafe(await request.text());
    } catch {
      return Response.json({ error: 'malformed body' }, { status: 400 });
    }
    try {
      const result = await handler(payload, {
        attempt,
        queueName,
        messageId: messageId as never,
      });
      if (result && typeof result.timeoutSeconds === 'number') {
        return Response.json({ timeoutSeconds: result.timeoutSeconds });
      }
      return Response.json({ ok: true });
    } catch (error) {
      return Response.json({ error: (error as Error)?.message ?? String(error) }, { status: 500 });
    }
  };
}

export function assertQueueName(queueName: unknown): asserts queueName is string {
  if (typeof queueName !== 'string' || !ValidQueueNameSchema.safeParse(queueName).success) {
    throw new InvalidInputError(
      'queueName',
      'expected __wkf_workflow_<name> or __wkf_step_<name> (optionally namespaced)',
    );
  }
}

export function newMessageId(): string {
  return newId('message');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
