/**
 * The test's control surface, JSON under `/control/`: start runs with the runtime's `start()`,
 * resume hooks with `resumeHook()`, read run statuses (`runs.get`) and a run's event types
 * (`events.list`) from the World and outcomes through the runtime (`getRun().returnValue`), and
 * read the bump counters.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRun, resumeHook, start } from 'workflow/api';
import { getWorld } from 'workflow/runtime';
import { bumpCounters } from './bump-counter.ts';

type Handler = (body: any) => Promise<unknown>;

async function readJson(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function describeError(error: unknown): { name: string; message: string; cause?: unknown } {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const cause = error.cause === undefined ? undefined : describeError(error.cause);
  return { name: error.name, message: error.message, ...(cause ? { cause } : {}) };
}

/** The run's result as the runtime hydrates it, or the error it surfaces for a failed run. */
async function outcomeOf(runId: string) {
  try {
    return { runId, value: await getRun(runId).returnValue };
  } catch (error) {
    return { runId, error: describeError(error) };
  }
}

export function createControlSurface(workflowIds: Map<string, { workflowId: string }>) {
  const handlers: Record<string, Handler> = {
    async start({ workflow, args }: { workflow: string; args: unknown[] }) {
      const id = workflowIds.get(workflow);
      if (!id) throw new Error(`no workflow named ${workflow}`);
      return { runId: (await start(id, args)).runId };
    },
    async resume({ token, payload }: { token: string; payload: unknown }) {
      return { runId: (await resumeHook(token, payload)).runId };
    },
    async runs({ runIds }: { runIds: string[] }) {
      const world = await getWorld();
      return Promise.all(
        runIds.map(async (runId) => {
          const run = await world.runs.get(runId, { resolveData: 'none' });
          return { runId, status: run.status, specVersion: run.specVersion };
        }),
      );
    },
    async eventTypes({ runId }: { runId: string }) {
      const world = await getWorld();
      const page = await world.events.list({
        runId,
        pagination: { sortOrder: 'asc', limit: 1000 },
        resolveData: 'none',
      });
      return page.data.map((event) => event.eventType);
    },
    async outcomes({ runIds }: { runIds: string[] }) {
      return Promise.all(runIds.map(outcomeOf));
    },
    async bumps() {
      return bumpCounters();
    },
  };

  return async (req: IncomingMessage, res: ServerResponse, name: string): Promise<void> => {
    const handler = handlers[name];
    if (!handler) {
      res.writeHead(404).end();
      return;
    }
    let status = 200;
    let answer: unknown;
    try {
      answer = await handler(await readJson(req));
    } catch (error) {
      // A refusal the caller may expect (an unknown hook, a conflict) is data, not a crash.
      status = 409;
      answer = { error: describeError(error) };
    }
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  };
}
