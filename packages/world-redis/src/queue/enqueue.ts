import {
  checkQueueCall,
  encodeBinary,
  type MessageId,
  newId,
  type QueueOptions,
  type QueuePayload,
} from '@worldkit/world';
import { runScript } from '../scripts.js';
import { type StoreContext, transport } from '../store-context.js';

/** `queue()`: resolves once the message is in Redis (durable as the server's persistence). */
export async function enqueue(
  store: StoreContext,
  queueName: string,
  payload: QueuePayload,
  options: QueueOptions = {},
): Promise<{ messageId: MessageId }> {
  const { delaySeconds, idempotencyKey, headers, wakesRun } = checkQueueCall(
    queueName,
    payload,
    options,
  );
  const reply = (await transport(() =>
    runScript(
      store.redis(),
      'enqueue',
      [store.keys.queue.pending],
      [
        newId('message'),
        queueName,
        encodeBinary(payload),
        idempotencyKey ?? '',
        Math.round(delaySeconds * 1000),
        headers === undefined ? '' : JSON.stringify(headers),
        wakesRun ?? '',
      ],
    ),
  )) as [string, string];
  return { messageId: reply[1] as MessageId };
}

/** Whether a workflow message for the run is pending, delayed or in flight. */
export async function hasLiveWorkflowMessage(store: StoreContext, runId: string): Promise<boolean> {
  return (await store.redis().hexists(store.keys.queue.liveRuns, runId)) === 1;
}
