import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { stringifyJsonSafe } from '../codec/json.js';
import { DeliveryTargetError } from '../errors.js';
import { configuredBaseUrl, deliveryUrl, detectListeningBaseUrl } from './base-url.js';
import { parseQueueName } from './names.js';
import { DELIVERY_HEADERS, resolveQueueSecret } from './protocol.js';
import { newDeliveryNonce, signDelivery } from './signing.js';

export interface DelivererOptions {
  /**
   * Where the app's queue routes live. A function is called for every delivery; without one,
   * `WORKFLOW_LOCAL_BASE_URL`, the `port` option, `PORT` and finally this process's listening
   * port are used (see `resolveDeliveryBaseUrl`).
   */
  baseUrl?: string | (() => string | Promise<string>);
  port?: number;
  /** Signs every delivery; defaults to `WORKFLOW_QUEUE_SECRET`, read per delivery. */
  secret?: string;
  /**
   * Gives up on a delivery after this long (a `failed` outcome). None by default: the response
   * comes only when the step or replay finishes, which can take minutes, and a timed-out
   * delivery that is redelivered while the first still runs executes twice.
   */
  timeoutMs?: number;
  /** Cap on concurrent connections per origin (default: unlimited). */
  maxSockets?: number;
  /** Clock for signature timestamps; injected by tests. */
  now?: () => number;
}

export interface Delivery {
  queueName: string;
  messageId: string;
  /** 1-based delivery count of this message. */
  attempt: number;
  payload: unknown;
  /** Extra headers, e.g. `traceparent`; the protocol's own headers win. */
  headers?: Record<string, string>;
}

/** What became of one delivery; the delivery loop decides what to do next from it. */
export type DeliveryOutcome =
  /** The handler finished: the message is done. */
  | { kind: 'ack' }
  /** The handler asked for the same payload again after `timeoutSeconds` (0 = now). */
  | { kind: 'redeliver'; timeoutSeconds: number }
  /** Not handled (error answer, network error, timeout): redeliver with attempt + 1 and backoff. */
  | { kind: 'failed'; status?: number; message: string };

export interface Deliverer {
  /** POSTs one delivery to the app's queue route. Never rejects. */
  deliver(delivery: Delivery): Promise<DeliveryOutcome>;
  /** Aborts deliveries in flight (they settle as `failed`) and releases sockets. Idempotent. */
  close(): void;
}

/** How many times a request that died on a reused keep-alive socket is sent on a fresh one. */
const STALE_SOCKET_RETRIES = 2;

/** Errors that mean the base URL's server is not there (any more): forget a detected URL. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'EADDRNOTAVAIL']);

class DeliveryError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    /** The request died on a reused keep-alive socket before the server answered. */
    readonly staleSocket = false,
  ) {
    super(message);
  }
}

/**
 * The client side of delivery, shared by every World's delivery loop: one keep-alive HTTP agent,
 * one POST per delivery, the handler's answer read back as a `DeliveryOutcome`.
 */
export function createDeliverer(options: DelivererOptions = {}): Deliverer {
  const agentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? Number.POSITIVE_INFINITY,
  };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const inFlight = new Set<{ destroy(error: Error): void }>();
  const now = options.now ?? Date.now;
  let closed = false;
  let detected: Promise<string | undefined> | undefined;

  async function baseUrlOf(): Promise<{ url: string; wasDetected: boolean }> {
    const { baseUrl } = options;
    if (typeof baseUrl === 'function') {
      return { url: configuredBaseUrl({ baseUrl: await baseUrl() })!, wasDetected: false };
    }
    const configured = configuredBaseUrl({ baseUrl, port: options.port });
    if (configured !== undefined) return { url: configured, wasDetected: false };
    // Detection inspects the process (milliseconds), so its answer is kept until a delivery
    // finds nobody listening there.
    detected ??= detectListeningBaseUrl();
    const url = await detected;
    if (url === undefined) {
      detected = undefined;
      throw new DeliveryTargetError('this process listens on no TCP port');
    }
    return { url, wasDetected: true };
  }

  async function deliver(delivery: Delivery): Promise<DeliveryOutcome> {
    if (closed) return { kind: 'failed', message: 'the deliverer is closed' };
    let target: { url: string; wasDetected: boolean } | undefined;
    try {
      const { kind } = parseQueueName(delivery.queueName);
      target = await baseUrlOf();
      const body = stringifyJsonSafe(delivery.payload);
      const headers = deliveryHeaders(delivery, body);
      const response = await post(deliveryUrl(target.url, kind), headers, body);
      return outcomeOf(response.status, response.text);
    } catch (error) {
      if (target?.wasDetected && UNREACHABLE_CODES.has((error as DeliveryError).code ?? '')) {
        detected = undefined;
      }
      return { kind: 'failed', message: (error as Error).message ?? String(error) };
    }
  }

  function deliveryHeaders(delivery: Delivery, body: string): Record<string, string> {
    const timestamp = now();
    const headers: Record<string, string> = {
      ...delivery.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      [DELIVERY_HEADERS.queueName]: encodeURIComponent(delivery.queueName),
      [DELIVERY_HEADERS.messageId]: encodeURIComponent(delivery.messageId),
      [DELIVERY_HEADERS.attempt]: String(delivery.attempt),
      [DELIVERY_HEADERS.timestamp]: String(timestamp),
    };
    const secret = resolveQueueSecret(options.secret);
    if (secret !== undefined) {
      const nonce = newDeliveryNonce();
      headers[DELIVERY_HEADERS.nonce] = nonce;
      headers[DELIVERY_HEADERS.signature] = signDelivery(secret, {
        timestamp,
        nonce,
        queueName: delivery.queueName,
        messageId: delivery.messageId,
        attempt: delivery.attempt,
        body,
      });
    }
    return headers;
  }

  async function post(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; text: string }> {
    for (let retry = 0; ; retry++) {
      try {
        return await postOnce(url, headers, body);
      } catch (error) {
        const staleSocket = error instanceof DeliveryError && error.staleSocket;
        if (!staleSocket || retry >= STALE_SOCKET_RETRIES || closed) throw error;
      }
    }
  }

  function postOnce(
    url: string,
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const https = url.startsWith('https:');
      let responded = false;
      const req = (https ? httpsRequest : httpRequest)(
        url,
        { method: 'POST', headers, agent: https ? httpsAgent : httpAgent },
        (res) => {
          responded = true;
          readBody(res).then(
            (text) => resolve({ status: res.statusCode ?? 0, text }),
            (error: Error) => reject(new DeliveryError(`response aborted: ${error.message}`)),
          );
        },
      );
      const entry = { destroy: (error: Error) => req.destroy(error) };
      inFlight.add(entry);
      req.on('close', () => inFlight.delete(entry));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (responded) return;
        // A keep-alive socket the server closed while idle fails on reuse before the request
        // reached the handler; Node's documented remedy is to send again on a fresh socket.
        const staleSocket = req.reusedSocket && error.code === 'ECONNRESET';
        reject(
          new DeliveryError(`delivery to ${url} failed: ${error.message}`, error.code, staleSocket),
        );
      });
      if (options.timeoutMs !== undefined) {
        req.setTimeout(options.timeoutMs, () =>
          req.destroy(new DeliveryError(`no answer within ${options.timeoutMs} ms`, 'ETIMEDOUT')),
        );
      }
      req.end(body);
    });
  }

  return {
    deliver,
    close() {
      if (closed) return;
      closed = true;
      for (const request of inFlight) request.destroy(new DeliveryError('the deliverer is closed'));
      inFlight.clear();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('connection closed before the response ended')));
  });
}

function outcomeOf(status: number, text: string): DeliveryOutcome {
  const body = parseBody(text);
  if (status >= 200 && status < 300) {
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
  const message =
    typeof body?.error === 'string'
      ? body.error
      : text.length > 0
        ? text.slice(0, 500)
        : `HTTP ${status}`;
  return { kind: 'failed', status, message };
}

function parseBody(text: string): Record<string, unknown> | undefined {
  if (text.length === 0 || text[0] !== '{') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
