import { expect } from 'vitest';
import { expectBytes } from '../assertions.js';
import type { CaseContext, ConformanceCase } from '../context.js';
import { allBytes, append, createRun, ev, sleep } from '../fixtures.js';
import { newRunId, newStepId, stepQueue, workflowName, workflowQueue } from '../names.js';
import { enqueuedBeforeClose } from '../queue-fixtures.js';
import type { Behaviour, ReceivedMessage } from '../queue-server.js';

/** How long the suite watches for a delivery that must not happen. */
const quietMs = (t: CaseContext) => Math.max(300, 6 * t.timing.pollIntervalMs);

/**
 * The case's World serving the queue app with its own handlers, started as an app at boot unless
 * the case starts it later.
 */
async function servingWorld(t: CaseContext, started = true) {
  const world = await t.world();
  t.queueApp.useHandlersOf(world);
  if (started) await world.start?.();
  return world;
}

/** A serving World (started unless `started: false`), a new queue and the deliveries to it. */
async function servedQueue(
  t: CaseContext,
  options: { behaviour?: Behaviour; queueName?: string; started?: boolean } = {},
) {
  const world = await servingWorld(t, options.started);
  const queueName = options.queueName ?? workflowQueue();
  return { world, queueName, received: t.queueApp.listen(queueName, options.behaviour) };
}

/** A handler whose first delivery asks to be redelivered after `seconds`. */
function redeliverFirstAfter(seconds: number): Behaviour {
  return (_, all) => (all.length === 1 ? { timeoutSeconds: seconds } : undefined);
}

/**
 * Waits for `count` deliveries. Fails early when deliveries stop coming: no new one within
 * `stallMs` (a queue that gave up, or dropped a redelivery, never catches up).
 */
async function arrivals(
  received: ReceivedMessage[],
  count: number,
  what: string,
  { timeoutMs = 60_000, stallMs = 8_000 }: { timeoutMs?: number; stallMs?: number } = {},
): Promise<ReceivedMessage[]> {
  const deadline = Date.now() + timeoutMs;
  let seen = received.length;
  let progressAt = Date.now();
  for (;;) {
    if (received.length >= count) return received.slice(0, count);
    if (received.length > seen) {
      seen = received.length;
      progressAt = Date.now();
    }
    const now = Date.now();
    if (now - progressAt > stallMs || now > deadline) {
      throw new Error(
        `expected ${count} deliveries of ${what}, got ${received.length}` +
          (received.length > 0 ? ` (last attempt ${received.at(-1)!.meta.attempt})` : '') +
          `; nothing new arrived for ${Math.round((now - progressAt) / 1000)} s`,
      );
    }
    await sleep(10);
  }
}

/** A handler that blocks the first delivery until released, to hold it in flight. */
function gate(): { behaviour: Behaviour; release: () => void; entered: Promise<void> } {
  let release!: () => void;
  let entered!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const enteredPromise = new Promise<void>((resolve) => {
    entered = resolve;
  });
  return {
    behaviour: async (_, all) => {
      if (all.length > 1) return;
      entered();
      await released;
    },
    release,
    entered: enteredPromise,
  };
}

export const queueCases: ConformanceCase[] = [
  {
    name: 'a message is delivered to the handler with its queue name, message id and attempt 1',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t);
      const runId = newRunId();
      const { messageId } = await world.queue(queueName, { runId });
      const [delivery] = await arrivals(received, 1, queueName);
      expect(delivery!.message).toMatchObject({ runId });
      expect(delivery!.meta.queueName).toBe(queueName);
      expect(delivery!.meta.attempt).toBe(1);
      if (messageId !== null) expect(delivery!.meta.messageId).toBe(messageId);
    },
  },
  {
    name: 'step messages reach the step route with their payload intact',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t, { queueName: stepQueue() });
      const payload = {
        workflowName: 'workflow//./conformance//wf',
        workflowRunId: newRunId(),
        workflowStartedAt: Date.now(),
        stepId: newStepId(),
        traceCarrier: { traceparent: '00-abc-def-01' },
      };
      await world.queue(queueName, payload);
      const [delivery] = await arrivals(received, 1, queueName);
      expect(delivery!.message).toMatchObject(payload);
    },
  },
  {
    name: 'Uint8Array in runInput.input survives the transport byte-exactly',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t);
      const input = allBytes();
      await world.queue(queueName, {
        runId: newRunId(),
        runInput: { input, deploymentId: 'dpl', workflowName: 'wf', specVersion: 3 },
      });
      const [delivery] = await arrivals(received, 1, queueName);
      const runInput = (delivery!.message as { runInput: { input: unknown } }).runInput;
      expectBytes(runInput.input, input, 'runInput.input');
    },
  },
  {
    name: 'queue() works without start() and nothing is consumed before start()',
    timeoutMs: 60_000,
    async run(t) {
      const { world, queueName, received } = await servedQueue(t, { started: false });
      const result = await world.queue(queueName, { runId: newRunId() });
      expect(result.messageId === null || typeof result.messageId === 'string').toBe(true);
      await sleep(quietMs(t));
      expect(received, 'a message was consumed before start()').toHaveLength(0);
      await world.start?.();
      await arrivals(received, 1, queueName);
    },
  },
  {
    name: '{timeoutSeconds: 0} redelivers the same payload at once, attempt reset to 1',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t, {
        behaviour: redeliverFirstAfter(0),
      });
      const runId = newRunId();
      await world.queue(queueName, { runId });
      const [first, second] = await arrivals(received, 2, `${queueName} after {timeoutSeconds: 0}`);
      expect(second!.message).toEqual(first!.message);
      expect(second!.meta.attempt, 'a timeout-driven redelivery does not burn attempts').toBe(1);
    },
  },
  {
    name: '{timeoutSeconds: 1} redelivers after the delay',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t, {
        behaviour: redeliverFirstAfter(1),
      });
      await world.queue(queueName, { runId: newRunId() });
      const [first, second] = await arrivals(
        received,
        2,
        `${queueName} after {timeoutSeconds: 1}`,
        {
          stallMs: 12_000,
        },
      );
      expect(second!.at - first!.at, 'redelivered long before the timeout').toBeGreaterThanOrEqual(
        500,
      );
      expect(second!.meta.attempt).toBe(1);
    },
  },
  {
    name: 'a throwing handler is redelivered with attempt + 1 past attempt 48',
    timeoutMs: 120_000,
    async run(t) {
      const failing: Behaviour = (delivery) => {
        if (delivery.meta.attempt < 50)
          throw new Error(`transient failure ${delivery.meta.attempt}`);
      };
      const { world, queueName, received } = await servedQueue(t, { behaviour: failing });
      await world.queue(queueName, { runId: newRunId() });
      const deliveries = await arrivals(received, 50, `${queueName} failing 49 times`, {
        timeoutMs: 100_000,
      });
      expect(deliveries.map((d) => d.meta.attempt)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
    },
  },
  {
    name: 'a redelivery after {timeoutSeconds} resets the attempt counter after failures',
    async run(t) {
      const failingThenRedelivered: Behaviour = (_, all) => {
        if (all.length <= 2) throw new Error('transient');
        if (all.length === 3) return { timeoutSeconds: 0 };
      };
      const { world, queueName, received } = await servedQueue(t, {
        behaviour: failingThenRedelivered,
      });
      await world.queue(queueName, { runId: newRunId() });
      const deliveries = await arrivals(received, 4, queueName);
      expect(deliveries.map((d) => d.meta.attempt)).toEqual([1, 2, 3, 1]);
    },
  },
  {
    name: 'idempotencyKey deduplicates while the message is pending',
    timeoutMs: 60_000,
    async run(t) {
      const { world, queueName, received } = await servedQueue(t, {
        queueName: stepQueue(),
        started: false,
      });
      const key = newStepId();
      const first = await world.queue(queueName, { runId: newRunId() }, { idempotencyKey: key });
      // Longer than any short dedup TTL: the key must hold for as long as the message is pending.
      await sleep(quietMs(t));
      const second = await world.queue(queueName, { runId: newRunId() }, { idempotencyKey: key });
      if (first.messageId !== null && second.messageId !== null)
        expect(second.messageId).toBe(first.messageId);
      await world.start?.();
      await arrivals(received, 1, queueName);
      await sleep(quietMs(t));
      expect(received, 'a duplicate key was delivered twice').toHaveLength(1);
    },
  },
  {
    name: 'idempotencyKey deduplicates while the message is in flight',
    timeoutMs: 60_000,
    async run(t) {
      const held = gate();
      const { world, queueName, received } = await servedQueue(t, {
        behaviour: held.behaviour,
        queueName: stepQueue(),
      });
      const key = newStepId();
      await world.queue(queueName, { runId: newRunId() }, { idempotencyKey: key });
      await held.entered;
      await sleep(quietMs(t));
      await world.queue(queueName, { runId: newRunId() }, { idempotencyKey: key });
      await sleep(quietMs(t));
      expect(received, 'a duplicate key was delivered while the first was in flight').toHaveLength(
        1,
      );
      held.release();
      await sleep(quietMs(t));
      expect(received).toHaveLength(1);
      // Once acknowledged, the key may be used again.
      await world.queue(queueName, { runId: newRunId() }, { idempotencyKey: key });
      await arrivals(received, 2, `${queueName} after the key was released`);
    },
  },
  {
    name: 'idempotencyKey deduplicates while the message waits for its {timeoutSeconds} redelivery',
    timeoutMs: 60_000,
    async run(t) {
      const { world, queueName, received } = await servedQueue(t, {
        behaviour: redeliverFirstAfter(2),
        queueName: stepQueue(),
      });
      const key = newStepId();
      const runId = newRunId();
      await world.queue(queueName, { runId }, { idempotencyKey: key });
      await arrivals(received, 1, queueName);
      // Delayed now: a second enqueue with the key must not create a second live message.
      await sleep(quietMs(t) / 2);
      await world.queue(queueName, { runId: newRunId() }, { idempotencyKey: key });
      await arrivals(received, 2, `${queueName} redelivered`, { stallMs: 12_000 });
      await sleep(quietMs(t));
      expect(received.map((d) => (d.message as { runId: string }).runId)).toEqual([runId, runId]);
    },
  },
  {
    name: 'delaySeconds defers the first delivery',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t);
      const sent = Date.now();
      await world.queue(queueName, { runId: newRunId() }, { delaySeconds: 1 });
      const [delivery] = await arrivals(received, 1, queueName);
      expect(delivery!.at - sent, 'delivered long before delaySeconds').toBeGreaterThanOrEqual(500);
    },
  },
  {
    name: 'many messages are all delivered exactly once when acknowledged',
    async run(t) {
      const { world, queueName, received } = await servedQueue(t);
      const runIds = Array.from({ length: 25 }, () => newRunId());
      await Promise.all(runIds.map((runId) => world.queue(queueName, { runId })));
      await arrivals(received, 25, queueName);
      await sleep(quietMs(t));
      expect(received.map((d) => (d.message as { runId: string }).runId).sort()).toEqual(
        [...runIds].sort(),
      );
    },
  },
  {
    name: 'start() recovers active runs: each pending or running run gets a workflow message',
    timeoutMs: 60_000,
    async run(t) {
      const world = await t.world();
      const name = workflowName();
      const queueName = `__wkf_workflow_${name}`;
      const received = t.queueApp.listen(queueName);
      const pending = await createRun(world, { workflowName: name, started: false });
      const running = await createRun(world, { workflowName: name });
      const finished = await createRun(world, { workflowName: name });
      await append(world, finished, ev.runCompleted());
      t.queueApp.useHandlersOf(world);
      await world.start?.();
      await world.start?.(); // idempotent: the recovery's idempotency keys hold duplicates back
      await arrivals(received, 2, `recovery messages on ${queueName}`);
      await sleep(quietMs(t));
      const runIds = received.map((d) => (d.message as { runId: string }).runId);
      expect([...new Set(runIds)].sort(), 'recovery wakes exactly the active runs').toEqual(
        [pending, running].sort(),
      );
    },
  },
  {
    name: 'a message enqueued before a restart is delivered by the next instance',
    requires: ['durableQueue'],
    timeoutMs: 60_000,
    async run(t) {
      const { queueName, received, runId } = await enqueuedBeforeClose(t);
      const after = await servingWorld(t);
      expect(after).toBeTruthy();
      const [delivery] = await arrivals(received, 1, queueName);
      expect(delivery!.message).toMatchObject({ runId });
    },
  },
  {
    name: 'a {timeoutSeconds} redelivery pending at a restart is still delivered',
    requires: ['durableQueue'],
    timeoutMs: 60_000,
    async run(t) {
      const first = await t.openWorld();
      t.queueApp.useHandlersOf(first);
      await first.start?.();
      const queueName = workflowQueue();
      const received = t.queueApp.listen(queueName, redeliverFirstAfter(2));
      await first.queue(queueName, { runId: newRunId() });
      await arrivals(received, 1, queueName);
      await t.closeWorld(first);
      await servingWorld(t);
      await arrivals(received, 2, `${queueName} after the restart`, { stallMs: 30_000 });
    },
  },
  {
    name: 'a consumer that dies mid-delivery has its message redelivered elsewhere',
    requires: ['durableQueue', 'multiProcess'],
    timeoutMs: 90_000,
    async run(t) {
      const held = gate();
      const { world, queueName, received } = await servedQueue(t, {
        behaviour: held.behaviour,
        started: false,
      });
      const child = await t.spawnProcess({ fresh: true });
      await t.startProcess(child);
      const runId = newRunId();
      await world.queue(queueName, { runId });
      await held.entered; // the child is delivering and its handler is blocked
      await child.kill();
      held.release(); // the dead consumer's response can no longer acknowledge anything
      await world.start?.();
      const deliveries = await arrivals(received, 2, `${queueName} after its consumer died`, {
        stallMs: 60_000,
        timeoutMs: 80_000,
      });
      expect(deliveries[1]!.message).toMatchObject({ runId });
    },
  },
];
