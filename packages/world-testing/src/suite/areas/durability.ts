import { expect } from 'vitest';
import { waitFor } from '../../support/wait-for.js';
import { snapshotRun } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import {
  allBytes,
  allEvents,
  append,
  createRun,
  createRunWithStepAndHook,
  ev,
} from '../fixtures.js';
import { newHookId, newRunId, newStepId, newToken, newWaitId, streamName, uid } from '../names.js';
import { enqueuedBeforeClose } from '../queue-fixtures.js';

const requires: ConformanceCase['requires'] = ['durableStorage'];

export const durabilityCases: ConformanceCase[] = [
  {
    name: 'runs, events, steps and hooks survive close and reopen unchanged',
    requires,
    async run(t) {
      const before = await t.openWorld();
      const runId = await createRun(before, { input: allBytes() });
      const stepId = newStepId();
      await append(before, runId, ev.stepCreated(stepId, allBytes()));
      await append(before, runId, ev.stepStarted(stepId));
      await append(before, runId, ev.stepRetrying(stepId, new Date(Date.now() + 12_345)));
      const hookId = newHookId();
      const token = newToken();
      await append(
        before,
        runId,
        ev.hookCreated(hookId, token, { metadata: allBytes(), isWebhook: true }),
      );
      await append(before, runId, ev.hookReceived(hookId, token, allBytes()));
      await append(before, runId, ev.waitCreated(newWaitId(), new Date(Date.now() + 99_999)));
      const done = await createRun(before);
      await append(before, done, ev.runCompleted(allBytes()));
      const snapshot = await snapshotRun(before, runId);
      const doneSnapshot = await snapshotRun(before, done);
      await t.closeWorld(before);

      const after = await t.openWorld();
      expect(await snapshotRun(after, runId), 'the run after reopening').toEqual(snapshot);
      expect(await snapshotRun(after, done), 'a completed run after reopening').toEqual(
        doneSnapshot,
      );
      expect((await after.hooks.getByToken(token)).hookId).toBe(hookId);
    },
  },
  {
    name: 'rules keep holding after a reopen: duplicates, tokens and fences',
    requires,
    async run(t) {
      const before = await t.openWorld();
      const { runId, stepId, token } = await createRunWithStepAndHook(before);
      const newest = (await allEvents(before, runId)).at(-1)!.eventId;
      await t.closeWorld(before);

      const after = await t.openWorld();
      await expect(append(after, runId, ev.stepCreated(stepId))).rejects.toMatchObject({
        name: 'EntityConflictError',
      });
      const other = await createRun(after);
      const conflict = await append(after, other, ev.hookCreated(newHookId(), token));
      expect(conflict.event?.eventType, 'the token is still held after the reopen').toBe(
        'hook_conflict',
      );
      if (t.capabilities.lastKnownEventIdFence) {
        const result = await append(after, runId, ev.stepStarted(stepId), {
          lastKnownEventId: newest,
        });
        expect(result.event?.eventType, 'the fence survived the reopen').toBe('step_started');
      }
    },
  },
  {
    name: 'streams survive close and reopen, including their end',
    requires,
    async run(t) {
      const before = await t.openWorld();
      const name = streamName();
      const open = streamName();
      const runId = newRunId();
      await before.writeToStream(name, runId, allBytes());
      await before.writeToStream(name, runId, 'two');
      await before.closeStream(name, runId);
      await before.writeToStream(open, runId, 'unfinished');
      await t.closeWorld(before);

      const after = await t.openWorld();
      expect(await after.getStreamInfo(name, runId)).toEqual({ tailIndex: 1, done: true });
      expect(await after.getStreamInfo(open, runId)).toEqual({ tailIndex: 0, done: false });
      expect((await after.listStreamsByRunId(runId)).sort()).toEqual([name, open].sort());
      const chunks = await after.getStreamChunks(name, runId);
      expect(Buffer.from(chunks.data[0]!.data).equals(Buffer.from(allBytes()))).toBe(true);
      // A reader opened after the reopen still tails the unfinished stream.
      const reader = (await after.readFromStream(open)).getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('unfinished');
      const next = reader.read();
      await after.writeToStream(open, runId, 'finished');
      expect(new TextDecoder().decode((await next).value)).toBe('finished');
      await reader.cancel();
    },
  },
  {
    name: 'a queued message survives close and reopen of every instance',
    requires: ['durableStorage', 'durableQueue'],
    timeoutMs: 60_000,
    async run(t) {
      const { runId, received } = await enqueuedBeforeClose(t, { idempotencyKey: `key-${uid()}` });
      const after = await t.openWorld();
      t.queueApp.useHandlersOf(after);
      await after.start?.();
      const [delivery] = await waitFor(() => (received.length > 0 ? received : undefined), {
        timeoutMs: 30_000,
        what: 'the message enqueued before the reopen',
      });
      expect(delivery!.message).toMatchObject({ runId });
    },
  },
];
