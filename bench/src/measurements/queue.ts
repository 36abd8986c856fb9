/**
 * The queue as the runtime drives it: `queue()` on a workflow queue, delivered over HTTP to the
 * World's own createQueueHandler (served on a loopback server that WORKFLOW_LOCAL_BASE_URL — or
 * the World's baseUrl option — points at) after `start()`.
 *
 * - Enqueue-to-handler latency: one message at a time, from just before `queue()` to the moment
 *   the handler is called. The median and the 99th percentile of all messages of all rounds.
 * - Deliveries per second: a burst of messages enqueued at once, from the first `queue()` to the
 *   last handler call.
 */
import { newId } from '@worldkit/world';
import { DeliveryServer } from './delivery-server.js';
import type { Measurement } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

const QUEUE_PREFIX = '__wkf_workflow_';
const QUEUE_NAME = `${QUEUE_PREFIX}bench`;

/** Runs `work` with WORKFLOW_LOCAL_BASE_URL pointing at `url`, restoring it afterwards. */
async function withBaseUrl<T>(url: string, work: () => Promise<T>): Promise<T> {
  const saved = process.env.WORKFLOW_LOCAL_BASE_URL;
  process.env.WORKFLOW_LOCAL_BASE_URL = url;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.WORKFLOW_LOCAL_BASE_URL;
    else process.env.WORKFLOW_LOCAL_BASE_URL = saved;
  }
}

export const queueDelivery: Measurement = {
  id: 'queue',
  title: 'queue',
  metrics: [
    { id: 'latency', title: 'enqueue→handler median', unit: 'ms', better: 'lower' },
    {
      id: 'latency-p99',
      title: 'enqueue→handler p99',
      unit: 'ms',
      better: 'lower',
      headline: 'p99',
    },
    { id: 'throughput', title: 'deliveries', unit: 'msg/s', better: 'higher' },
  ],
  notApplicable: worldsOnly,
  async open(subject, context) {
    const server = await DeliveryServer.start();
    try {
      return await withBaseUrl(server.url, () =>
        worldSession(
          subject,
          context,
          async (opened) => {
            const waiting = new Map<string, (at: number) => void>();
            const delivered = (key: string) =>
              new Promise<number>((resolve) => waiting.set(key, resolve));
            // Detached, as the runtime's route modules call it.
            const { createQueueHandler } = opened.world;
            server.handler = createQueueHandler(QUEUE_PREFIX, async (message: any) => {
              const at = performance.now();
              const resolve = waiting.get(message?.runId);
              waiting.delete(message?.runId);
              resolve?.(at);
            });
            await opened.world.start?.();
            const send = (key: string) =>
              opened.world.queue(QUEUE_NAME as any, { runId: key } as any);
            return {
              sample: () =>
                withBaseUrl(server.url, async () => {
                  const latency: number[] = [];
                  for (let index = 0; index < context.scale.queueLatencyMessages; index++) {
                    const key = newId('run');
                    const arrival = delivered(key);
                    const started = performance.now();
                    await send(key);
                    latency.push((await arrival) - started);
                  }
                  const keys = Array.from({ length: context.scale.queueBurst }, () => newId('run'));
                  const arrivals = keys.map(delivered);
                  const started = performance.now();
                  await Promise.all(keys.map(send));
                  const last = Math.max(...(await Promise.all(arrivals)));
                  const throughput = keys.length / ((last - started) / 1000);
                  return { latency, 'latency-p99': latency, throughput: [throughput] };
                }),
              close: async () => {
                await server.close();
              },
            };
          },
          { queueBaseUrl: server.url },
        ),
      );
    } catch (error) {
      await server.close();
      throw error;
    }
  },
};
