import type { QueueOptions } from '@worldkit/world';
import type { CaseContext } from './context.js';
import { newRunId, workflowQueue } from './names.js';

/**
 * A message for a new run, enqueued on a new queue by a World that is then closed: what a World
 * opened later must still deliver. Returns the queue, the run id and the deliveries to come.
 */
export async function enqueuedBeforeClose(t: CaseContext, options?: QueueOptions) {
  const before = await t.openWorld();
  const queueName = workflowQueue();
  const received = t.queueApp.listen(queueName);
  const runId = newRunId();
  await before.queue(queueName, { runId }, options);
  await t.closeWorld(before);
  return { queueName, received, runId };
}
