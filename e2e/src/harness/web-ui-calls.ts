import { decode } from 'cbor-x';
import type { Page, Response } from 'playwright-core';

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
 * Watches a page and keeps what failed: the web UI's RPC calls (`POST /api/rpc`, CBOR
 * `{ method, params }`, answered `{ success: false, error }` with status 200 when the World call
 * throws), any other response of status 400 or more, and uncaught errors in the page. An RPC
 * failure names the World operation, its parameters and the World's error, where the page shows
 * only a summary.
 */
export class FailedCalls {
  private readonly inspections: Promise<FailedCall | undefined>[] = [];
  private readonly pageErrors: string[] = [];

  constructor(page: Page) {
    page.on('response', (response) => this.inspections.push(inspect(response)));
    page.on('pageerror', (error) => this.pageErrors.push(error.message));
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

async function inspect(response: Response): Promise<FailedCall | undefined> {
  const request = response.request();
  const { pathname } = new URL(response.url());
  if (pathname !== '/api/rpc') {
    return response.status() >= 400
      ? { call: `${request.method()} ${pathname}`, status: response.status() }
      : undefined;
  }
  const { method, params } = decode(request.postDataBuffer()!) as {
    method: string;
    params?: { worldEnv?: unknown };
  };
  const { worldEnv: _, ...args } = params ?? {};
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
