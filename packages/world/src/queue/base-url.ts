import { request as httpRequest } from 'node:http';
import { DeliveryTargetError, InvalidInputError } from '../errors.js';
import { DELIVERY_ROUTES } from './protocol.js';

/**
 * Where deliveries go: the app's own HTTP server, which serves the runtime's queue routes.
 *
 * Precedence: the `baseUrl` option, `WORKFLOW_LOCAL_BASE_URL` (may carry a base path), the `port`
 * option, `PORT`, then the TCP port this process listens on. Env vars are read on every call, so
 * a server that sets `PORT` after listening is picked up.
 */
export interface DeliveryBaseUrlOptions {
  baseUrl?: string;
  port?: number;
}

export const BASE_URL_ENV = 'WORKFLOW_LOCAL_BASE_URL';

/** How long a candidate port gets to answer the health probe when several are listening. */
const PROBE_TIMEOUT_MS = 1_000;

export async function resolveDeliveryBaseUrl(
  options: DeliveryBaseUrlOptions = {},
): Promise<string> {
  const configured = configuredBaseUrl(options);
  if (configured !== undefined) return configured;
  const detected = await detectListeningBaseUrl();
  if (detected === undefined) throw new DeliveryTargetError('this process listens on no TCP port');
  return detected;
}

/** The base URL from options and env alone, without looking at listening ports. */
export function configuredBaseUrl(options: DeliveryBaseUrlOptions = {}): string | undefined {
  if (options.baseUrl !== undefined) return normalizeBaseUrl(options.baseUrl, 'baseUrl');
  const fromEnv = process.env[BASE_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return normalizeBaseUrl(fromEnv, BASE_URL_ENV);
  if (options.port !== undefined) return `http://localhost:${validPort(options.port, 'port')}`;
  const portEnv = process.env.PORT;
  if (portEnv !== undefined && portEnv !== '') {
    return `http://localhost:${validPort(Number(portEnv), 'PORT')}`;
  }
  return undefined;
}

/** `<base>/.well-known/workflow/v1/{flow|step}` for a normalized base URL. */
export function deliveryUrl(baseUrl: string, kind: keyof typeof DELIVERY_ROUTES): string {
  return baseUrl + DELIVERY_ROUTES[kind];
}

/**
 * A base URL for the TCP port this process listens on. With several ports, the one whose
 * workflow route answers the runtime's health probe wins, else the first. Undefined when the
 * process listens on none.
 */
export async function detectListeningBaseUrl(): Promise<string | undefined> {
  const candidates = listeningBaseUrls();
  if (candidates.length <= 1) return candidates[0];
  const answers = await Promise.all(candidates.map(answersHealthProbe));
  return candidates[answers.indexOf(true)] ?? candidates[0];
}

interface ReportEndpoint {
  ip4?: string;
  ip6?: string;
  port?: number;
}

interface ReportHandle {
  type?: string;
  is_active?: boolean;
  localEndpoint?: ReportEndpoint | null;
  remoteEndpoint?: ReportEndpoint | null;
}

/** Base URLs of this process's listening TCP sockets, in libuv's handle order. */
function listeningBaseUrls(): string[] {
  const handles = libuvHandles();
  const urls: string[] = [];
  const seenPorts = new Set<number>();
  for (const handle of handles) {
    const local = handle.localEndpoint;
    const listening =
      handle.type === 'tcp' && handle.is_active !== false && !handle.remoteEndpoint && local;
    if (!listening || local.port === undefined || seenPorts.has(local.port)) continue;
    seenPorts.add(local.port);
    urls.push(`http://${loopbackHostFor(local)}:${local.port}`);
  }
  return urls;
}

function libuvHandles(): ReportHandle[] {
  // `excludeNetwork` (Node 20.13+) would drop the endpoints this needs; it is off unless a user
  // turned it on, and then it is restored after the one report.
  const report = process.report as NodeJS.ProcessReport & { excludeNetwork?: boolean };
  if (report === undefined) return [];
  const excluded = report.excludeNetwork;
  try {
    report.excludeNetwork = false;
    const content = report.getReport() as { libuv?: ReportHandle[] };
    return content.libuv ?? [];
  } catch {
    return [];
  } finally {
    report.excludeNetwork = excluded;
  }
}

/** A wildcard bind is reached over loopback; a specific address as itself. */
function loopbackHostFor(endpoint: ReportEndpoint): string {
  if (endpoint.ip4 !== undefined) return endpoint.ip4 === '0.0.0.0' ? '127.0.0.1' : endpoint.ip4;
  if (endpoint.ip6 !== undefined) return endpoint.ip6 === '::' ? '[::1]' : `[${endpoint.ip6}]`;
  return 'localhost';
}

function answersHealthProbe(baseUrl: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest(
      `${deliveryUrl(baseUrl, 'workflow')}?__health`,
      { method: 'GET', agent: false, timeout: PROBE_TIMEOUT_MS },
      (res) => {
        res.resume();
        resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** `scheme://host[:port][/base/path]`: no trailing slash, query or fragment. */
function normalizeBaseUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidInputError(field, `expected an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError(field, `expected an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function validPort(port: number, field: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidInputError(field, `expected a TCP port (1-65535), got ${String(port)}`);
  }
  return port;
}
