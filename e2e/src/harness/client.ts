/** A typed client for the app's `/e2e/` control surface. */
import type { RefusalCounters } from '../counters.js';

export interface RunSummary {
  runId: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'unknown';
  errorMessage?: string;
  errorCode?: string;
}

export interface RunResult extends RunSummary {
  output?: unknown;
}

export type { RefusalCounters } from '../counters.js';

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export class ControlError extends Error {
  constructor(
    readonly errorName: string | undefined,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export class AppClient {
  constructor(readonly baseUrl: string) {}

  private async call<T>(method: 'GET' | 'POST', route: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await response.json()) as any;
    if (!response.ok) {
      const { name, message, code } = parsed?.error ?? {};
      throw new ControlError(
        name,
        `${method} ${route}: ${name ?? response.status}: ${message}`,
        code,
      );
    }
    return parsed as T;
  }

  /** Starts a run of an exported workflow through `start()` from `workflow/api`. */
  async start(workflow: string, args: unknown[] = []): Promise<string> {
    const { runId } = await this.call<{ runId: string }>('POST', '/e2e/runs', { workflow, args });
    return runId;
  }

  result(runId: string): Promise<RunResult> {
    return this.call('GET', `/e2e/runs/${encodeURIComponent(runId)}`);
  }

  summaries(runIds: string[]): Promise<RunSummary[]> {
    return this.call('POST', '/e2e/runs/summaries', { runIds });
  }

  hooks(runId: string): Promise<Array<{ hookId: string; token: string; isWebhook?: boolean }>> {
    return this.call('GET', `/e2e/runs/${encodeURIComponent(runId)}/hooks`);
  }

  steps(
    runId: string,
  ): Promise<Array<{ stepId: string; stepName: string; status: string; attempt: number }>> {
    return this.call('GET', `/e2e/runs/${encodeURIComponent(runId)}/steps`);
  }

  /** The run's newest uncompleted sleep and its deadline (epoch ms), if any. */
  pendingWait(runId: string): Promise<{ waitId: string; resumeAt: number } | null> {
    return this.call('GET', `/e2e/runs/${encodeURIComponent(runId)}/pending-wait`);
  }

  async readStream(runId: string): Promise<string[]> {
    const { chunks } = await this.call<{ chunks: string[] }>(
      'GET',
      `/e2e/runs/${encodeURIComponent(runId)}/stream`,
    );
    return chunks;
  }

  /** Resumes a hook by token through `resumeHook()`; resolves to the run it belongs to. */
  async resumeHook(token: string, payload: unknown): Promise<string> {
    const { runId } = await this.call<{ runId: string }>('POST', '/e2e/hooks/resume', {
      token,
      payload,
    });
    return runId;
  }

  /** Sends an HTTP request to a webhook's public route, as an external system would. */
  postWebhook(token: string, body: string): Promise<Response> {
    return fetch(`${this.baseUrl}/.well-known/workflow/v1/webhook/${encodeURIComponent(token)}`, {
      method: 'POST',
      body,
    });
  }

  counters(): Promise<RefusalCounters> {
    return this.call('GET', '/e2e/counters');
  }

  world(): Promise<{ specVersion?: number; capabilities: Record<string, boolean> | null }> {
    return this.call('GET', '/e2e/world');
  }
}
