import { decode } from 'cbor-x';
import type { Page, Request, Response } from 'playwright-core';

/** A request of the web UI that failed, with what the page was told. */
export interface FailedCall {
  /** The RPC method (`fetchRuns`, `fetchStep`, …), or the HTTP method and path. */
  call: string;
  /** The RPC's arguments, without the (empty) per-user World env. */
  args?: unknown;
  status: number;
  /** The web UI's error: its message, the World operation and its parameters, the World's stack. */
  error?: unknown;
}

/** What the web UI's server answers an RPC call with. */
interface RpcAnswer {
  success: boolean;
  error?: unknown;
}

/**
 * React's recoverable hydration mismatches (its minified errors 418, 423 and 425): the server's
 * render of a page and the browser's first render of it differed (a time shown relative to now
 * that crossed a boundary in between, on a loaded machine), and React rendered it again in the
 * browser. The page then shows what it should, which the tests check; nothing the World answered
 * is involved.
 */
const RECOVERED_HYDRATION = /Minified React error #(418|423|425)\b/;

/**
 * Watches a page and keeps what failed: the web UI's RPC calls (`POST /api/rpc`, CBOR
 * `{ method, params }`, answered `{ success: false, error }` with status 200 when the World call
 * throws), any other response of status 400 or more, and uncaught errors in the page. An RPC
 * failure names the World operation, its parameters and the World's error, where the page shows
 * only a summary. Recovered hydration mismatches are not kept.
 */
export class FailedCalls {
  private readonly inspections: Promise<FailedCall | undefined>[] = [];
  private readonly pageErrors: string[] = [];
  /** Requests sent and not answered yet: what a page that shows nothing is waiting for. */
  private readonly unanswered = new Set<Request>();

  constructor(page: Page) {
    page.on('request', (request) => this.unanswered.add(request));
    page.on('requestfinished', (request) => this.unanswered.delete(request));
    page.on('requestfailed', (request) => this.unanswered.delete(request));
    page.on('response', (response) => this.inspections.push(inspect(response)));
    page.on('pageerror', (error) => {
      if (!RECOVERED_HYDRATION.test(error.message)) this.pageErrors.push(error.message);
    });
  }

  /** The calls still waiting for their answer: RPC methods by name, other requests by path. */
  pending(): string[] {
    return [...this.unanswered].map(callOf);
  }

  /** Every failure so far, once the answers received have been read. */
  async list(): Promise<Array<FailedCall | { pageError: string }>> {
    const calls = await Promise.all(this.inspections);
    return [
      ...calls.filter((call) => call !== undefined),
      ...this.pageErrors.map((pageError) => ({ pageError })),
    ];
  }
}

const isRpc = (request: Request) => new URL(request.url()).pathname === '/api/rpc';

/** The RPC's method and parameters, without the (empty) per-user World env. */
function rpcOf(request: Request): { method: string; args: unknown } {
  const { method, params } = decode(request.postDataBuffer()!) as {
    method: string;
    params?: { worldEnv?: unknown };
  };
  const { worldEnv: _, ...args } = params ?? {};
  return { method, args };
}

/** A request as a failure report names it: the RPC method, or the HTTP method and path. */
function callOf(request: Request): string {
  return isRpc(request)
    ? rpcOf(request).method
    : `${request.method()} ${new URL(request.url()).pathname}`;
}

async function inspect(response: Response): Promise<FailedCall | undefined> {
  const request = response.request();
  if (!isRpc(request)) {
    return response.status() >= 400
      ? { call: callOf(request), status: response.status() }
      : undefined;
  }
  const { method, args } = rpcOf(request);
  let answer: RpcAnswer;
  try {
    answer = decode(await response.body()) as RpcAnswer;
  } catch {
    // A page that navigated away drops the bodies of the answers still on their way; only the
    // status is left to judge.
    return response.ok() ? undefined : { call: method, args, status: response.status() };
  }
  return response.ok() && answer.success
    ? undefined
    : { call: method, args, status: response.status(), error: answer.error ?? answer };
}
