import { expect } from 'vitest';
import { expectRejects } from '../assertions.js';
import type { ConformanceCase } from '../context.js';
import { createRun } from '../fixtures.js';
import { workflowQueue } from '../names.js';

const CAPABILITY_KEYS = [
  'lastKnownEventIdFence',
  'stateUpdatedAtGuard',
  'durableQueue',
  'durableStorage',
  'multiProcess',
] as const;

export const lifecycleCases: ConformanceCase[] = [
  {
    name: 'createWorld returns a World, not a promise (the runtime calls the factory synchronously)',
    async run(t) {
      expect(
        t.createdSynchronously,
        'the runtime uses the factory result as the World at once: construct lazily, connect later',
      ).toBe(true);
    },
  },
  {
    name: 'declares specVersion 3',
    async run(t) {
      const world = await t.world();
      expect(world.specVersion, 'runtime 4.8.9 creates runs at the World specVersion').toBe(3);
    },
  },
  {
    name: 'declares every capability as a boolean',
    async run(t) {
      const world = await t.world();
      expect(world.capabilities, 'world.capabilities is missing').toBeTypeOf('object');
      for (const key of CAPABILITY_KEYS) {
        expect(typeof world.capabilities?.[key], `capabilities.${key}`).toBe('boolean');
      }
    },
  },
  {
    name: 'exposes every required member of the contract',
    async run(t) {
      const world = await t.world();
      const members = [
        'getDeploymentId',
        'queue',
        'createQueueHandler',
        'writeToStream',
        'closeStream',
        'readFromStream',
        'listStreamsByRunId',
        'getStreamChunks',
        'getStreamInfo',
      ] as const;
      for (const member of members) expect(typeof world[member], member).toBe('function');
      for (const [group, methods] of Object.entries({
        runs: ['get', 'list'],
        steps: ['get', 'list'],
        events: ['create', 'get', 'list', 'listByCorrelationId'],
        hooks: ['get', 'getByToken', 'list'],
      })) {
        for (const method of methods) {
          expect(
            typeof (world as unknown as Record<string, Record<string, unknown>>)[group]?.[method],
            `${group}.${method}`,
          ).toBe('function');
        }
      }
    },
  },
  {
    name: 'getDeploymentId resolves a non-empty string',
    async run(t) {
      const id = await (await t.world()).getDeploymentId();
      expect(typeof id === 'string' && id.length > 0, `got ${String(id)}`).toBe(true);
    },
  },
  {
    name: 'two instances can be open at once (the runtime creates the World twice per process)',
    async run(t) {
      const first = await t.world();
      const second = await t.openWorld();
      const runId = await createRun(first);
      expect((await second.runs.get(runId)).runId).toBe(runId);
    },
  },
  {
    name: 'storage works without start()',
    async run(t) {
      const world = await t.world();
      const runId = await createRun(world);
      expect((await world.runs.get(runId)).status).toBe('running');
    },
  },
  {
    name: 'createQueueHandler works detached (without `this`) and answers a malformed request',
    async run(t) {
      const world = await t.world();
      const detached = world.createQueueHandler;
      const handler = detached('__wkf_workflow_', async () => {
        throw new Error('a malformed delivery must not reach the handler');
      });
      expect(typeof handler).toBe('function');
      const response = await handler(
        new Request('http://127.0.0.1/.well-known/workflow/v1/flow', {
          method: 'POST',
          body: 'not a delivery',
        }),
      );
      expect(response, 'the handler must answer with a Response').toBeInstanceOf(Response);
      expect(response.status, 'a malformed delivery is a client error').toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    },
  },
  {
    name: 'start() is idempotent and close() is idempotent',
    async run(t) {
      const world = await t.openWorld();
      await world.start?.();
      await world.start?.();
      await world.close?.();
      await world.close?.();
      await t.closeWorld(world);
    },
  },
  {
    name: 'after close(), start() and every call are refused with WORLD_CLOSED (503)',
    async run(t) {
      const world = await t.openWorld();
      const runId = await createRun(world);
      await world.start?.();
      await world.close?.();
      const closed = { name: 'WorkflowWorldError', status: 503, code: 'WORLD_CLOSED' };
      if (world.start) await expectRejects('start() after close()', () => world.start!(), closed);
      await expectRejects('runs.get after close()', () => world.runs.get(runId), closed);
      await expectRejects('events.create after close()', () => createRun(world), closed);
      await expectRejects(
        'queue() after close()',
        () => world.queue(workflowQueue(), { runId }),
        closed,
      );
      await t.closeWorld(world);
    },
  },
  {
    name: 'close() without start() releases everything',
    async run(t) {
      const world = await t.openWorld();
      await createRun(world);
      await t.closeWorld(world);
      const next = await t.openWorld();
      await createRun(next);
    },
  },
];
