import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRun, resumeHook, start } from 'workflow/api';
import { getWorld } from 'workflow/runtime';
import { refusalCounters } from '../counters.js';

/**
 * The control surface: JSON over HTTP under `/e2e/`, so a test (or a benchmark) in another
 * process can drive the app exactly as a user's own code would, through `workflow/api`.
 */
interface RunSummary {
  runId: string;
  status: string;
  errorMessage?: string;
  errorCode?: string;
}

type Handler = (body: any, params: string[]) => Promise<unknown>;

export function createControlSurface(workflowIds: Map<string, { workflowId: string }>) {
  const routes: Array<[method: string, pattern: RegExp, handler: Handler]> = [
    ['POST', /^\/e2e\/runs$/, (body) => startRun(workflowIds, body)],
    ['POST', /^\/e2e\/runs\/summaries$/, (body) => summaries(body.runIds)],
    ['GET', /^\/e2e\/runs\/([^/]+)$/, (_, [runId]) => runResult(runId!)],
    ['GET', /^\/e2e\/runs\/([^/]+)\/hooks$/, (_, [runId]) => hooksOf(runId!)],
    ['GET', /^\/e2e\/runs\/([^/]+)\/steps$/, (_, [runId]) => stepsOf(runId!)],
    ['GET', /^\/e2e\/runs\/([^/]+)\/stream$/, (_, [runId]) => readStream(runId!)],
    ['GET', /^\/e2e\/runs\/([^/]+)\/pending-wait$/, (_, [runId]) => pendingWait(runId!)],
    ['POST', /^\/e2e\/hooks\/resume$/, (body) => resume(body.token, body.payload)],
    ['GET', /^\/e2e\/counters$/, async () => refusalCounters()],
    ['GET', /^\/e2e\/world$/, async () => worldInfo()],
  ];

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pathname = new URL(req.url ?? '/', 'http://app').pathname;
    for (const [method, pattern, handler] of routes) {
      const match = pattern.exec(pathname);
      if (!match || req.method !== method) continue;
      try {
        const body = method === 'POST' ? await readJson(req) : undefined;
        reply(res, 200, await handler(body, match.slice(1).map(decodeURIComponent)));
      } catch (error) {
        const { name, message, code } = error as { name?: string; message?: string; code?: string };
        reply(res, 500, { error: { name, message, code } });
      }
      return;
    }
    reply(res, 404, { error: { name: 'NotFound', message: `no control route ${pathname}` } });
  };
}

async function startRun(
  workflowIds: Map<string, { workflowId: string }>,
  body: { workflow: string; args?: unknown[] },
) {
  const workflow = workflowIds.get(body.workflow);
  if (!workflow) throw new Error(`unknown workflow ${body.workflow}`);
  const run = await start(workflow as never, body.args ?? []);
  return { runId: run.runId };
}

function summarize(run: { runId: string; status: string; error?: any }): RunSummary {
  return {
    runId: run.runId,
    status: run.status,
    ...(run.error ? { errorMessage: run.error.message, errorCode: run.error.code } : {}),
  };
}

async function summaries(runIds: string[]): Promise<RunSummary[]> {
  const world = getWorld();
  return Promise.all(
    runIds.map(async (runId) => {
      try {
        return summarize(await world.runs.get(runId, { resolveData: 'none' }));
      } catch (error) {
        // A run whose `run_created` is still in flight is not an error for a poller.
        if ((error as Error).name === 'WorkflowRunNotFoundError')
          return { runId, status: 'unknown' };
        throw error;
      }
    }),
  );
}

/** The run's summary, plus its return value hydrated by the runtime once it completed. */
async function runResult(runId: string) {
  const [summary] = await summaries([runId]);
  if (summary?.status !== 'completed') return summary;
  // The run is complete, so `returnValue` resolves at once instead of polling.
  return { ...summary, output: await getRun(runId).returnValue };
}

async function hooksOf(runId: string) {
  const { data } = await getWorld().hooks.list({ runId });
  return data.map(({ hookId, token, isWebhook }) => ({ hookId, token, isWebhook }));
}

async function stepsOf(runId: string) {
  const { data } = await getWorld().steps.list({ runId, resolveData: 'none' });
  return data.map(({ stepId, stepName, status, attempt }) => ({
    stepId,
    stepName,
    status,
    attempt,
  }));
}

/**
 * The run's newest sleep that has not completed yet, from the tail of its event log: the race
 * driver aims hook payloads at its deadline.
 */
async function pendingWait(runId: string) {
  const { data } = await getWorld().events.list({
    runId,
    pagination: { sortOrder: 'desc', limit: 20 },
    resolveData: 'none',
  });
  const completed = new Set<string>();
  for (const event of data) {
    if (event.eventType === 'wait_completed') completed.add(event.correlationId!);
    if (event.eventType === 'wait_created' && !completed.has(event.correlationId!)) {
      const { resumeAt } = event.eventData as { resumeAt: Date };
      return { waitId: event.correlationId, resumeAt: new Date(resumeAt).getTime() };
    }
  }
  return null;
}

/** Reads the run's default stream to its end and returns every chunk as text. */
async function readStream(runId: string) {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  for await (const chunk of getRun(runId).getReadable() as AsyncIterable<unknown>) {
    chunks.push(chunk instanceof Uint8Array ? decoder.decode(chunk) : JSON.stringify(chunk));
  }
  return { chunks };
}

async function resume(token: string, payload: unknown) {
  const hook = await resumeHook(token, payload);
  return { runId: hook.runId };
}

async function worldInfo() {
  const world = getWorld() as { specVersion?: number; capabilities?: unknown };
  return { specVersion: world.specVersion, capabilities: world.capabilities ?? null };
}

async function readJson(req: IncomingMessage): Promise<any> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return parts.length === 0 ? {} : JSON.parse(Buffer.concat(parts).toString('utf8'));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? null);
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}
