/** A typed client for the app's `/control/` surface. */
import type { BumpCounters } from '../app/bump-counter.ts';

export type { BumpCounters } from '../app/bump-counter.ts';

export interface RunStatus {
  runId: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  specVersion?: number;
}

export interface DescribedError {
  name: string;
  message: string;
  cause?: DescribedError;
}

/** What the runtime's `getRun(runId).returnValue` gave: the value, or the error it threw. */
export interface RunOutcome {
  runId: string;
  value?: unknown;
  error?: DescribedError;
}

export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export class ControlError extends Error {
  constructor(readonly described: DescribedError) {
    super(`${described.name}: ${described.message}`);
    this.name = 'ControlError';
  }
}

export class AppClient {
  constructor(readonly baseUrl: string) {}

  private async call<T>(name: string, body: unknown = {}): Promise<T> {
    const response = await fetch(`${this.baseUrl}/control/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const parsed = (await response.json()) as any;
    if (!response.ok) throw new ControlError(parsed.error);
    return parsed as T;
  }

  /** Starts a run of an exported workflow with `start()` from `workflow/api`. */
  async start(workflow: string, args: unknown[] = []): Promise<string> {
    return (await this.call<{ runId: string }>('start', { workflow, args })).runId;
  }

  /** Resumes the hook with `token` through `resumeHook()`. */
  async resume(token: string, payload: unknown): Promise<string> {
    return (await this.call<{ runId: string }>('resume', { token, payload })).runId;
  }

  /** The runs as the World's `runs.get` reports them. */
  statuses(runIds: string[]): Promise<RunStatus[]> {
    return this.call('runs', { runIds });
  }

  /** The types of a run's events, oldest first, as the World's `events.list` reports them. */
  eventTypes(runId: string): Promise<string[]> {
    return this.call('eventTypes', { runId });
  }

  /** The runs' outcomes through the runtime (`getRun().returnValue`); call once they are terminal. */
  outcomes(runIds: string[]): Promise<RunOutcome[]> {
    return this.call('outcomes', { runIds });
  }

  /** The counters of the bump-counting World (zeros when the app loads the World directly). */
  bumps(): Promise<BumpCounters> {
    return this.call('bumps');
  }
}
