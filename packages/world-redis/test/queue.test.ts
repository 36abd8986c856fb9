import { randomBytes } from 'node:crypto';
import { newId } from '@worldkit/world';
import { waitFor } from '@worldkit/world-testing';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyLayout } from '../src/keys.js';
import { defineScripts, runScript } from '../src/scripts.js';
import { assertRedisReachable, REDIS_URL } from './helpers.js';
import { WorldFixture } from './world-fixture.js';

let fixture: WorldFixture;
beforeAll(() => assertRedisReachable());
afterEach(async () => {
  await fixture?.dispose();
});

const FLOW = '__wkf_workflow_workflow//./src/w//main';
const STEP = '__wkf_step_step//./src/w//add';

describe('queue', () => {
  it('delivers a payload with its bytes intact, attempt 1, to the route of its kind', async () => {
    fixture = new WorldFixture('queue-deliver');
    const world = await fixture.world();
    const input = new Uint8Array(randomBytes(64));
    const { messageId } = await world.queue(FLOW, {
      runId: newId('run'),
      runInput: { input, deploymentId: 'd', workflowName: 'w', specVersion: 3 },
    });
    const [delivery] = await waitFor(() => {
      const found = fixture.deliveriesOf(messageId!);
      return found.length > 0 ? found : undefined;
    });
    expect(delivery!.attempt).toBe(1);
    expect(delivery!.queueName).toBe(FLOW);
    const runInput = (delivery!.message as { runInput: { input: Uint8Array } }).runInput;
    expect(runInput.input).toBeInstanceOf(Uint8Array);
    expect([...runInput.input]).toEqual([...input]);
  });

  it('redelivers on {timeoutSeconds: 0} with the attempt reset, and retries failures past attempt 48', async () => {
    fixture = new WorldFixture('queue-retry');
    let calls = 0;
    fixture.handler = async () => {
      calls += 1;
      if (calls === 1) return { timeoutSeconds: 0 };
      if (calls < 52) throw new Error('not yet');
    };
    const world = await fixture.world();
    const { messageId } = await world.queue(STEP, {
      workflowName: 'w',
      workflowRunId: newId('run'),
      workflowStartedAt: Date.now(),
      stepId: newId('step'),
    });
    const deliveries = await waitFor(
      () => {
        const found = fixture.deliveriesOf(messageId!);
        return found.length >= 52 ? found : undefined;
      },
      { what: '52 deliveries' },
    );
    expect(deliveries.map((d) => d.attempt)).toEqual([
      1,
      ...Array.from({ length: 51 }, (_, i) => i + 1),
    ]);
  });

  it('deduplicates by idempotencyKey for the whole life of the message, then releases the key', async () => {
    fixture = new WorldFixture('queue-dedup');
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fixture.handler = () => held;
    const world = await fixture.world();
    const payload = { runId: newId('run') };
    const first = await world.queue(FLOW, payload, { idempotencyKey: 'step_x' });
    expect((await world.queue(FLOW, payload, { idempotencyKey: 'step_x' })).messageId).toBe(
      first.messageId,
    );
    await waitFor(() => (fixture.deliveriesOf(first.messageId!).length > 0 ? true : undefined));
    // In flight: still deduplicated.
    expect((await world.queue(FLOW, payload, { idempotencyKey: 'step_x' })).messageId).toBe(
      first.messageId,
    );
    release();
    const next = await waitFor(async () => {
      const again = await world.queue(FLOW, payload, { idempotencyKey: 'step_x' });
      return again.messageId !== first.messageId ? again : undefined;
    });
    expect(next.messageId).not.toBe(first.messageId);
    expect(fixture.deliveriesOf(first.messageId!)).toHaveLength(1);
  });

  it('keeps queued and delayed messages across a restart of every consumer', async () => {
    fixture = new WorldFixture('queue-durable');
    const producer = await fixture.world({}, { start: false });
    const now = await producer.queue(FLOW, { runId: newId('run') });
    const later = await producer.queue(FLOW, { runId: newId('run') }, { delaySeconds: 1 });
    await producer.close();
    expect(fixture.delivered).toHaveLength(0);
    await fixture.world();
    await waitFor(() =>
      fixture.deliveriesOf(now.messageId!).length === 1 &&
      fixture.deliveriesOf(later.messageId!).length === 1
        ? true
        : undefined,
    );
  });

  it("reclaims a dead consumer's message when its lease expires, as the next attempt", async () => {
    fixture = new WorldFixture('queue-lease');
    const producer = await fixture.world({}, { start: false });
    const { messageId } = await producer.queue(FLOW, { runId: newId('run') });
    // A consumer claims the message and dies without acknowledging it.
    const dead = new Redis(REDIS_URL);
    defineScripts(dead);
    const pending = new KeyLayout(fixture.prefix, 'run').queue.pending;
    const claimed = (await runScript(
      dead,
      'claim',
      [pending],
      [10, 200, 'dead-consumer'],
    )) as string[];
    expect(claimed).toContain(messageId);
    await dead.quit();
    await fixture.world({ leaseMs: 200 });
    const [delivery] = await waitFor(() => {
      const found = fixture.deliveriesOf(messageId!);
      return found.length > 0 ? found : undefined;
    });
    expect(delivery!.attempt).toBe(2);
  });

  it('spreads messages over several consumers, each delivered once', async () => {
    fixture = new WorldFixture('queue-shared');
    await fixture.world();
    const other = await fixture.world();
    const ids = await Promise.all(
      Array.from(
        { length: 40 },
        async () => (await other.queue(FLOW, { runId: newId('run') })).messageId!,
      ),
    );
    await waitFor(() =>
      ids.every((id) => fixture.deliveriesOf(id).length > 0) ? true : undefined,
    );
    for (const id of ids) expect(fixture.deliveriesOf(id)).toHaveLength(1);
  });

  it('refuses a name that is not a queue name, writing nothing', async () => {
    fixture = new WorldFixture('queue-bad');
    const world = await fixture.world({}, { start: false });
    await expect(world.queue('not-a-queue', { runId: 'x' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    const client = new Redis(REDIS_URL);
    expect(await client.zcard(new KeyLayout(fixture.prefix, 'run').queue.pending)).toBe(0);
    await client.quit();
  });
});

describe('recovery at start()', () => {
  it('wakes active runs without a live workflow message, once, and leaves the others alone', async () => {
    fixture = new WorldFixture('queue-recover');
    // Deliveries stay in flight, so the wake-ups of the first recovery are still live for the second.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fixture.handler = () => held;
    const setup = await fixture.world({}, { start: false });
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const runId = newId('run');
      runIds.push(runId);
      await setup.events.create(runId, {
        eventType: 'run_created',
        eventData: {
          deploymentId: 'd',
          workflowName: 'workflow//./src/w//main',
          input: new Uint8Array([1]),
        },
      });
    }
    // The first run already has a wake-up queued (a sleeping run's): recovery leaves it alone.
    const sleeping = await setup.queue(FLOW, { runId: runIds[0]! }, { delaySeconds: 3600 });
    await fixture.world({ recoverActiveRuns: true });
    await fixture.world({ recoverActiveRuns: true });
    await waitFor(() => (fixture.delivered.length >= 2 ? true : undefined));
    const woken = fixture.delivered.map((d) => (d.message as { runId: string }).runId);
    expect(woken.sort()).toEqual([runIds[1], runIds[2]].sort());
    expect(fixture.deliveriesOf(sleeping.messageId!)).toHaveLength(0);
    release();
  });
});
