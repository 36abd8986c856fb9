import { type AppClient, type RunSummary, TERMINAL } from './client.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits for many runs at once with one batched status poll (`world.runs.get` through the
 * control surface), asking the app processes in turn and skipping any that does not answer
 * (a crashed process).
 */
export class RunWatcher {
  private readonly waiting = new Map<string, (summary: RunSummary) => void>();
  private stopped = false;
  private turn = 0;
  private readonly loop: Promise<void>;

  constructor(
    private readonly clients: () => AppClient[],
    private readonly intervalMs = 100,
  ) {
    this.loop = this.poll();
  }

  /** Resolves with the run's summary once it is terminal. */
  watch(runId: string): Promise<RunSummary> {
    return new Promise((resolve) => this.waiting.set(runId, resolve));
  }

  get open(): number {
    return this.waiting.size;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      const runIds = [...this.waiting.keys()];
      for (let offset = 0; offset < runIds.length && !this.stopped; offset += 500) {
        const summaries = await this.ask(runIds.slice(offset, offset + 500));
        for (const summary of summaries ?? []) {
          if (!TERMINAL.has(summary.status)) continue;
          this.waiting.get(summary.runId)?.(summary);
          this.waiting.delete(summary.runId);
        }
      }
      await pause(this.intervalMs);
    }
  }

  private async ask(runIds: string[]): Promise<RunSummary[] | undefined> {
    const clients = this.clients();
    for (let attempt = 0; attempt < clients.length; attempt++) {
      try {
        return await clients[this.turn++ % clients.length]!.summaries(runIds);
      } catch {
        // That process is down or busy: the next one answers for the same shared storage.
      }
    }
    return undefined;
  }
}
