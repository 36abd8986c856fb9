import {
  type QueueHandler,
  type QueueMessageMeta,
  type ServedQueueHandlers,
  serveQueueHandlers,
} from '@worldkit/world';
import { waitFor } from '@worldkit/world-testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type PostgresWorld } from '../src/index.js';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

/**
 * Queue semantics against a real app route: deliveries POST to a local server that serves the
 * World's own createQueueHandler, exactly as the runtime's routes do.
 */

interface Received {
  message: unknown;
  meta: QueueMessageMeta;
}

const schema = randomSchema();
const received: Received[] = [];
let behaviour: (message: unknown, meta: QueueMessageMeta) => ReturnType<QueueHandler> =
  async () => {};
const handler: QueueHandler = async (message, meta) => {
  received.push({ message, meta });
  return behaviour(message, meta);
};

let app: ServedQueueHandlers;
let world: PostgresWorld;
const options = () => ({
  connectionString: DATABASE_URL,
  schema,
  leaseMs: 1_000,
  pollIntervalMs: 200,
  retryDelayMs: () => 0,
  recoverActiveRuns: false,
  baseUrl: app.baseUrl,
});

beforeAll(async () => {
  // The route handlers come from a World that never starts, as in an app's route modules.
  const routes = createWorld({ connectionString: DATABASE_URL, schema });
  app = await serveQueueHandlers({
    flow: routes.createQueueHandler('__wkf_workflow_', handler),
    step: routes.createQueueHandler('__wkf_step_', handler),
  });
  world = createWorld(options());
  await world.migrate();
});

afterAll(async () => {
  await world.close();
  await app.close();
  await dropSchema(schema);
});

function deliveriesOf(messageId: string): Received[] {
  return received.filter((entry) => entry.meta.messageId === messageId);
}

describe('queue', () => {
  it('holds messages until start(), then delivers them with bytes intact', async () => {
    behaviour = async () => {};
    const input = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const { messageId } = await world.queue('__wkf_workflow_wf//a', {
      runId: 'wrun_q1',
      runInput: { input, deploymentId: 'd', workflowName: 'wf', specVersion: 3 },
    });
    expect(messageId).toMatch(/^msg_/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(deliveriesOf(messageId!)).toHaveLength(0);

    await world.start();
    const [delivery] = await waitFor(
      () => deliveriesOf(messageId!).length > 0 && deliveriesOf(messageId!),
    );
    expect(delivery!.meta).toMatchObject({ attempt: 1, queueName: '__wkf_workflow_wf//a' });
    const message = delivery!.message as { runInput: { input: Uint8Array } };
    expect(message.runInput.input).toBeInstanceOf(Uint8Array);
    expect([...message.runInput.input]).toEqual([...input]);
  });

  it('redelivers {timeoutSeconds: 0} with the attempt count reset, and stops after an ack', async () => {
    let calls = 0;
    behaviour = async () => (++calls < 3 ? { timeoutSeconds: 0 } : undefined);
    const { messageId } = await world.queue('__wkf_step_s//b', {
      workflowName: 'wf',
      workflowRunId: 'wrun_q2',
      workflowStartedAt: 1,
      stepId: 'step_b',
    });
    await waitFor(() => deliveriesOf(messageId!).length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const deliveries = deliveriesOf(messageId!);
    expect(deliveries.map((d) => d.meta.attempt)).toEqual([1, 1, 1]);
    expect(deliveries.every((d) => (d.message as { stepId: string }).stepId === 'step_b')).toBe(
      true,
    );
  });

  it('keeps redelivering a failing message past the runtime limit of 48 attempts', async () => {
    behaviour = async (_message, meta) => {
      if (meta.attempt < 52) throw new Error(`attempt ${meta.attempt} fails`);
    };
    const { messageId } = await world.queue('__wkf_workflow_wf//c', { runId: 'wrun_q3' });
    await waitFor(() => deliveriesOf(messageId!).some((d) => d.meta.attempt === 52), {
      timeoutMs: 30_000,
    });
    expect(deliveriesOf(messageId!).map((d) => d.meta.attempt)).toEqual(
      Array.from({ length: 52 }, (_, i) => i + 1),
    );
  });

  it('delays delivery by delaySeconds, durably', async () => {
    behaviour = async () => {};
    const queuedAt = Date.now();
    const { messageId } = await world.queue(
      '__wkf_workflow_wf//d',
      { runId: 'wrun_q4' },
      { delaySeconds: 1 },
    );
    const [delivery] = await waitFor(
      () => deliveriesOf(messageId!).length > 0 && deliveriesOf(messageId!),
    );
    expect(delivery).toBeDefined();
    expect(Date.now() - queuedAt).toBeGreaterThanOrEqual(1_000);
  });

  it('dedupes by idempotencyKey while the message lives, and accepts the key again once done', async () => {
    let release: (() => void) | undefined;
    behaviour = () => new Promise<void>((resolve) => (release = resolve));
    const payload = {
      workflowName: 'wf',
      workflowRunId: 'wrun_q5',
      workflowStartedAt: 1,
      stepId: 'step_e',
    };
    const first = await world.queue('__wkf_step_s//e', payload, { idempotencyKey: 'step_e' });
    const pending = await world.queue('__wkf_step_s//e', payload, { idempotencyKey: 'step_e' });
    expect(pending.messageId).toBe(first.messageId);
    await waitFor(() => deliveriesOf(first.messageId!).length === 1 && release);
    const inFlight = await world.queue('__wkf_step_s//e', payload, { idempotencyKey: 'step_e' });
    expect(inFlight.messageId).toBe(first.messageId);
    behaviour = async () => {};
    release!();
    await waitFor(async () => !(await liveMessage(first.messageId!)));
    const again = await world.queue('__wkf_step_s//e', payload, { idempotencyKey: 'step_e' });
    expect(again.messageId).not.toBe(first.messageId);
    await waitFor(() => deliveriesOf(again.messageId!).length === 1);
  });

  it("redelivers a dead worker's message once its lease runs out", async () => {
    behaviour = async () => {};
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    try {
      // Another process claims the message and dies: nobody renews its lease.
      await world.close();
      world = createWorld(options());
      const { messageId } = await world.queue('__wkf_workflow_wf//f', { runId: 'wrun_q6' });
      const { rows } = await admin.query(
        `SELECT * FROM "${schema}".claim_messages(10, 1500, 'dead-worker')`,
      );
      expect(rows.map((row) => row.message_id)).toContain(messageId);
      await world.start();
      const [delivery] = await waitFor(
        () => deliveriesOf(messageId!).length > 0 && deliveriesOf(messageId!),
      );
      expect(delivery!.meta.attempt).toBe(2);
    } finally {
      await admin.end();
    }
  });

  it('refuses malformed queue names and options before writing anything', async () => {
    await expect(world.queue('not_a_queue', { runId: 'x' })).rejects.toMatchObject({
      name: 'WorkflowWorldError',
      status: 400,
    });
    await expect(
      world.queue('__wkf_workflow_wf//g', { runId: 'x' }, { delaySeconds: -1 }),
    ).rejects.toMatchObject({ status: 400 });
  });
});

async function liveMessage(messageId: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query(`SELECT 1 FROM "${schema}".messages WHERE message_id = $1`, [
      messageId,
    ]);
    return rows.length > 0;
  } finally {
    await admin.end();
  }
}
