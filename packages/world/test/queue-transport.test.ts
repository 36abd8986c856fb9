import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createDeliverer,
  createQueueHandler,
  type Deliverer,
  type DeliveryOutcome,
  type QueueHandler,
  type QueueMessageMeta,
  type ServedQueueHandlers,
  serveQueueHandlers,
} from '../src/index.js';

const FLOW = '__wkf_workflow_';
const STEP = '__wkf_step_';
const WORKFLOW_QUEUE = '__wkf_workflow_workflow//./src/order//process';
const STEP_QUEUE = '__wkf_step_step//./src/order//charge';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  vi.unstubAllEnvs();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(handlers: Parameters<typeof serveQueueHandlers>[0]) {
  const served = await serveQueueHandlers(handlers);
  cleanups.push(() => served.close());
  return served;
}

function deliverer(options: Parameters<typeof createDeliverer>[0]): Deliverer {
  const created = createDeliverer(options);
  cleanups.push(() => created.close());
  return created;
}

/** A handler that records what it was called with and answers with `answer`. */
function recording(answer: QueueHandler = async () => undefined) {
  const calls: { message: unknown; meta: QueueMessageMeta }[] = [];
  const handler: QueueHandler = async (message, meta) => {
    calls.push({ message, meta });
    return answer(message, meta);
  };
  return { calls, handler };
}

async function deliverTo(
  served: ServedQueueHandlers,
  queueName: string,
  payload: unknown = { runId: 'wrun_1' },
  options: Parameters<typeof createDeliverer>[0] = {},
): Promise<DeliveryOutcome> {
  return deliverer({ baseUrl: served.baseUrl, ...options }).deliver({
    queueName,
    messageId: 'msg_01',
    attempt: 1,
    payload,
  });
}

describe('queue transport over HTTP', () => {
  it('delivers payloads with nested Uint8Array and Date values intact, and the meta', async () => {
    const flow = recording();
    const served = await serve({ flow: createQueueHandler(FLOW, flow.handler) });
    const input = new Uint8Array([0x64, 0x65, 0x76, 0x6c, 0x00, 0xff, 0x80, 0x7f, 0x0a]);
    const payload = {
      runId: 'wrun_01',
      requestedAt: new Date(1_767_225_600_123),
      runInput: {
        input,
        deploymentId: 'dpl',
        workflowName: 'workflow//./src/order//process',
        specVersion: 3,
        executionContext: { nested: [{ bytes: new Uint8Array(0) }, { bytes: input }] },
      },
      traceCarrier: { traceparent: '00-abc-def-01' },
    };
    const outcome = await deliverer({ baseUrl: served.baseUrl }).deliver({
      queueName: WORKFLOW_QUEUE,
      messageId: 'msg_01ABC',
      attempt: 7,
      payload,
      headers: { traceparent: '00-abc-def-01' },
    });

    expect(outcome).toEqual({ kind: 'ack' });
    expect(flow.calls).toHaveLength(1);
    const { message, meta } = flow.calls[0]!;
    expect(message).toEqual(payload);
    const received = (message as typeof payload).runInput;
    expect(received.input).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(received.input).equals(Buffer.from(input))).toBe(true);
    expect((message as typeof payload).requestedAt).toBeInstanceOf(Date);
    expect((message as typeof payload).requestedAt.getTime()).toBe(1_767_225_600_123);
    expect(meta).toEqual({ attempt: 7, queueName: WORKFLOW_QUEUE, messageId: 'msg_01ABC' });
  });

  it('forwards caller headers such as traceparent', async () => {
    let traceparent: string | null = null;
    const handler = createQueueHandler(FLOW, async () => undefined);
    const served = await serve({
      flow: (req) => {
        traceparent = req.headers.get('traceparent');
        return handler(req);
      },
    });
    await deliverer({ baseUrl: served.baseUrl }).deliver({
      queueName: WORKFLOW_QUEUE,
      messageId: 'msg_1',
      attempt: 1,
      payload: { runId: 'wrun_1' },
      headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    });
    expect(traceparent).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('routes by the queue kind: step names reach the step route', async () => {
    const flow = recording();
    const step = recording();
    const served = await serve({
      flow: createQueueHandler(FLOW, flow.handler),
      step: createQueueHandler(STEP, step.handler),
    });
    expect(await deliverTo(served, STEP_QUEUE)).toEqual({ kind: 'ack' });
    expect(step.calls.map((call) => call.meta.queueName)).toEqual([STEP_QUEUE]);
    expect(flow.calls).toHaveLength(0);
  });

  it.each([
    ['0 (redeliver now)', 0],
    ['a positive number of seconds', 42.5],
    ['weeks', 14 * 24 * 3600],
  ])('turns {timeoutSeconds: %s} into a redeliver outcome', async (_row, timeoutSeconds) => {
    const served = await serve({
      flow: createQueueHandler(FLOW, async () => ({ timeoutSeconds })),
    });
    expect(await deliverTo(served, WORKFLOW_QUEUE)).toEqual({ kind: 'redeliver', timeoutSeconds });
  });

  it('turns a thrown handler into a failed outcome with status 500 and the message', async () => {
    const served = await serve({
      flow: createQueueHandler(FLOW, async () => {
        throw new Error('replay blew up');
      }),
    });
    expect(await deliverTo(served, WORKFLOW_QUEUE)).toEqual({
      kind: 'failed',
      status: 500,
      message: 'replay blew up',
    });
  });

  it('answers 400 "Unhandled queue" when the route serves another kind of queue', async () => {
    const step = recording();
    // The step handler mounted on the flow route receives a workflow delivery.
    const served = await serve({ flow: createQueueHandler(STEP, step.handler) });
    const outcome = await deliverTo(served, WORKFLOW_QUEUE);
    expect(outcome).toMatchObject({ kind: 'failed', status: 400 });
    expect((outcome as { message: string }).message).toMatch(/^Unhandled queue/);
    expect(step.calls).toHaveLength(0);
  });

  it.each([
    ['a namespaced handler receives an un-namespaced step name', '__acme_wkf_step_', STEP_QUEUE],
    [
      'an un-namespaced handler receives a namespaced step name',
      STEP,
      '__acme_wkf_step_step//./src/order//charge',
    ],
  ])('%s: the handler sees its own prefix + the id', async (_row, prefix, delivered) => {
    const step = recording();
    const served = await serve({ step: createQueueHandler(prefix, step.handler) });
    expect(await deliverTo(served, delivered)).toEqual({ kind: 'ack' });
    expect(step.calls[0]?.meta.queueName).toBe(`${prefix}step//./src/order//charge`);
  });

  it('reports a refused queue name as failed without sending anything', async () => {
    const flow = recording();
    const served = await serve({ flow: createQueueHandler(FLOW, flow.handler) });
    const outcome = await deliverTo(served, 'not-a-queue');
    expect(outcome).toMatchObject({ kind: 'failed' });
    expect(outcome).not.toHaveProperty('status');
    expect(flow.calls).toHaveLength(0);
  });

  it('reports a network error as failed instead of throwing', async () => {
    const served = await serve({ flow: createQueueHandler(FLOW, async () => undefined) });
    await served.close();
    const outcome = await deliverTo(served, WORKFLOW_QUEUE);
    expect(outcome.kind).toBe('failed');
    expect((outcome as { message: string }).message).toMatch(/ECONNREFUSED/);
  });

  it('gives up after the optional timeout, and never waits without one', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const served = await serve({ flow: createQueueHandler(FLOW, () => gate) });
    const timedOut = await deliverTo(
      served,
      WORKFLOW_QUEUE,
      { runId: 'wrun_1' },
      { timeoutMs: 30 },
    );
    expect(timedOut).toMatchObject({ kind: 'failed' });
    expect((timedOut as { message: string }).message).toMatch(/no answer within 30 ms/);

    const pending = deliverTo(served, WORKFLOW_QUEUE);
    release();
    expect(await pending).toEqual({ kind: 'ack' });
  });

  it('settles deliveries in flight as failed on close, and refuses new ones', async () => {
    const started = recording(() => new Promise(() => {}));
    const served = await serve({ flow: createQueueHandler(FLOW, started.handler) });
    const client = createDeliverer({ baseUrl: served.baseUrl });
    const inFlight = client.deliver({
      queueName: WORKFLOW_QUEUE,
      messageId: 'msg_1',
      attempt: 1,
      payload: { runId: 'wrun_1' },
    });
    await vi.waitFor(() => expect(started.calls).toHaveLength(1));
    client.close();
    client.close();
    expect(await inFlight).toMatchObject({ kind: 'failed' });
    expect(
      await client.deliver({ queueName: WORKFLOW_QUEUE, messageId: 'm', attempt: 1, payload: {} }),
    ).toEqual({ kind: 'failed', message: 'the deliverer is closed' });
  });

  it('resends on a fresh socket when a reused keep-alive socket turns out dead', async () => {
    const handled: string[] = [];
    const handler = createQueueHandler(FLOW, async (_message, meta) => {
      handled.push(meta.messageId);
    });
    const requestsPerSocket = new WeakMap<object, number>();
    // A server that drops the second request of every connection without answering, as a
    // server does when it closes an idle keep-alive socket just as the client reuses it.
    const server = createServer(async (req, res) => {
      const count = (requestsPerSocket.get(req.socket) ?? 0) + 1;
      requestsPerSocket.set(req.socket, count);
      if (count === 2) {
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const response = await handler(
        new Request(`http://localhost${req.url}`, {
          method: 'POST',
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        }),
      );
      res.writeHead(response.status, { 'content-type': 'application/json' });
      res.end(await response.text());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;
    const client = deliverer({ baseUrl: `http://127.0.0.1:${port}` });
    const send = (messageId: string) =>
      client.deliver({ queueName: WORKFLOW_QUEUE, messageId, attempt: 1, payload: {} });

    expect(await send('msg_first')).toEqual({ kind: 'ack' });
    expect(await send('msg_second')).toEqual({ kind: 'ack' });
    expect(handled).toEqual(['msg_first', 'msg_second']);
  });
});

describe('queue transport signing', () => {
  const secret = 'correct horse battery staple';

  it('accepts deliveries signed with the shared secret', async () => {
    const flow = recording();
    const served = await serve({ flow: createQueueHandler(FLOW, flow.handler, { secret }) });
    expect(await deliverTo(served, WORKFLOW_QUEUE, { runId: 'wrun_1' }, { secret })).toEqual({
      kind: 'ack',
    });
    expect(flow.calls).toHaveLength(1);
  });

  it.each([
    ['unsigned', {}, /missing/],
    ['signed with another secret', { secret: 'not the secret' }, /mismatch/],
    ['signed ten minutes ago', { secret, now: () => Date.now() - 10 * 60_000 }, /stale/],
    ['signed ten minutes ahead', { secret, now: () => Date.now() + 10 * 60_000 }, /stale/],
  ])('refuses a delivery %s with 401 and never calls the handler', async (_row, options, why) => {
    const flow = recording();
    const served = await serve({ flow: createQueueHandler(FLOW, flow.handler, { secret }) });
    const outcome = await deliverTo(served, WORKFLOW_QUEUE, { runId: 'wrun_1' }, options);
    expect(outcome).toMatchObject({ kind: 'failed', status: 401 });
    expect((outcome as { message: string }).message).toMatch(why);
    expect(flow.calls).toHaveLength(0);
  });

  it('accepts signed and unsigned deliveries when the handler has no secret', async () => {
    const flow = recording();
    const served = await serve({ flow: createQueueHandler(FLOW, flow.handler) });
    expect(await deliverTo(served, WORKFLOW_QUEUE)).toEqual({ kind: 'ack' });
    expect(await deliverTo(served, WORKFLOW_QUEUE, {}, { secret })).toEqual({ kind: 'ack' });
    expect(flow.calls).toHaveLength(2);
  });

  it('reads WORKFLOW_QUEUE_SECRET on both ends when no option is given', async () => {
    vi.stubEnv('WORKFLOW_QUEUE_SECRET', secret);
    const flow = recording();
    const served = await serve({ flow: createQueueHandler(FLOW, flow.handler) });
    expect(await deliverTo(served, WORKFLOW_QUEUE)).toEqual({ kind: 'ack' });
    expect(await deliverTo(served, WORKFLOW_QUEUE, {}, { secret: 'other' })).toMatchObject({
      status: 401,
    });
    expect(flow.calls).toHaveLength(1);
  });

  describe('tampering with a signed request', () => {
    async function signedRequest(): Promise<{ headers: Headers; body: string }> {
      let captured: { headers: Headers; body: string } | undefined;
      const served = await serve({
        flow: async (req) => {
          captured = { headers: new Headers(req.headers), body: await req.text() };
          return Response.json({ ok: true });
        },
      });
      await deliverTo(served, WORKFLOW_QUEUE, { runId: 'wrun_1' }, { secret });
      return captured!;
    }

    it.each([
      [
        'the body',
        (r: { headers: Headers; body: string }) => ({
          ...r,
          body: r.body.replace('wrun_1', 'wrun_2'),
        }),
      ],
      [
        'the attempt',
        (r: { headers: Headers; body: string }) => withHeader(r, 'x-worldkit-attempt', '2'),
      ],
      [
        'the message id',
        (r: { headers: Headers; body: string }) =>
          withHeader(r, 'x-worldkit-message-id', 'msg_other'),
      ],
      [
        'the queue name',
        (r: { headers: Headers; body: string }) =>
          withHeader(r, 'x-worldkit-queue-name', encodeURIComponent('__wkf_workflow_other')),
      ],
      [
        'the nonce',
        (r: { headers: Headers; body: string }) =>
          withHeader(r, 'x-worldkit-nonce', 'f'.repeat(32)),
      ],
      [
        'the timestamp',
        (r: { headers: Headers; body: string }) =>
          withHeader(
            r,
            'x-worldkit-timestamp',
            String(Number(r.headers.get('x-worldkit-timestamp')) + 1),
          ),
      ],
    ])('refuses a change of %s with 401', async (_row, tamper) => {
      const original = await signedRequest();
      const flow = recording();
      const handler = createQueueHandler(FLOW, flow.handler, { secret });
      const intact = await handler(post(original));
      expect(intact.status).toBe(200);

      const tampered = tamper(original);
      const response = await handler(post(tampered));
      expect(response.status).toBe(401);
      expect(flow.calls).toHaveLength(1);
    });
  });
});

describe('replayed signed deliveries', () => {
  const secret = 'correct horse battery staple';

  /** One signed request as the deliverer sent it, captured on the way. */
  async function captureSigned(
    delivery: { attempt?: number; now?: () => number } = {},
  ): Promise<{ headers: Headers; body: string }> {
    let captured: { headers: Headers; body: string } | undefined;
    const served = await serve({
      flow: async (req) => {
        captured = { headers: new Headers(req.headers), body: await req.text() };
        return Response.json({ ok: true });
      },
    });
    const sender = deliverer({
      baseUrl: served.baseUrl,
      secret,
      ...(delivery.now ? { now: delivery.now } : {}),
    });
    await sender.deliver({
      queueName: WORKFLOW_QUEUE,
      messageId: 'msg_01',
      attempt: delivery.attempt ?? 1,
      payload: { runId: 'wrun_1' },
    });
    return captured!;
  }

  it('refuses a copy of an accepted signed delivery with 409, and runs the handler once', async () => {
    const request = await captureSigned();
    const flow = recording();
    const handler = createQueueHandler(FLOW, flow.handler, { secret });

    expect((await handler(post(request))).status).toBe(200);
    const replayed = await handler(post(request));
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toEqual({
      error: 'delivery replayed: this signed request was already received',
    });
    expect(flow.calls).toHaveLength(1);
  });

  it('accepts a new attempt of the same message, and the same attempt signed again', async () => {
    const clock = () => 1_750_000_000_000;
    const first = await captureSigned({ now: clock });
    const nextAttempt = await captureSigned({ attempt: 2, now: clock });
    // A redelivery after {timeoutSeconds} restarts at attempt 1, possibly within the millisecond.
    const redelivered = await captureSigned({ now: clock });
    const flow = recording();
    const handler = createQueueHandler(FLOW, flow.handler, { secret, now: clock });

    for (const request of [first, nextAttempt, redelivered]) {
      expect((await handler(post(request))).status).toBe(200);
    }
    expect(flow.calls.map((call) => call.meta.attempt)).toEqual([1, 2, 1]);
  });

  it('is a failed outcome for the deliverer, which the delivery loop retries as a new attempt', async () => {
    const flow = recording();
    const handler = createQueueHandler(FLOW, flow.handler, { secret });
    let firstRequest: { headers: Headers; body: string } | undefined;
    const served = await serve({
      flow: async (req) => {
        const copy = { headers: new Headers(req.headers), body: await req.text() };
        firstRequest ??= copy;
        return handler(post(firstRequest));
      },
    });
    const sender = deliverer({ baseUrl: served.baseUrl, secret });
    const send = (attempt: number) =>
      sender.deliver({ queueName: WORKFLOW_QUEUE, messageId: 'msg_01', attempt, payload: {} });

    expect(await send(1)).toEqual({ kind: 'ack' });
    // The route forwards its first request again in place of the second one: a replay.
    expect(await send(2)).toMatchObject({ kind: 'failed', status: 409 });
    expect(flow.calls).toHaveLength(1);
  });

  it('refuses a copy even while the first is still being handled', async () => {
    const request = await captureSigned();
    let release: () => void = () => {};
    const firstStillRunning = new Promise<undefined>((resolve) => {
      release = () => resolve(undefined);
    });
    let handled = 0;
    const flow = recording(async () => (++handled === 1 ? firstStillRunning : undefined));
    const handler = createQueueHandler(FLOW, flow.handler, { secret });

    const first = handler(post(request));
    await vi.waitFor(() => expect(flow.calls).toHaveLength(1));
    expect((await handler(post(request))).status).toBe(409);
    release();
    expect((await first).status).toBe(200);
  });

  it('refuses an option that would remember no signature', () => {
    expect(() => createQueueHandler(FLOW, async () => undefined, { replayMemory: 0 })).toThrow(
      /invalid replayMemory: expected a positive integer/,
    );
  });
});

function withHeader(
  request: { headers: Headers; body: string },
  name: string,
  value: string,
): { headers: Headers; body: string } {
  const headers = new Headers(request.headers);
  headers.set(name, value);
  return { headers, body: request.body };
}

function post(request: { headers: Headers; body: string }): Request {
  const headers = new Headers(request.headers);
  headers.delete('content-length');
  return new Request('http://localhost/.well-known/workflow/v1/flow', {
    method: 'POST',
    headers,
    body: request.body,
  });
}

describe('createQueueHandler request validation', () => {
  const valid = {
    'x-worldkit-queue-name': encodeURIComponent(WORKFLOW_QUEUE),
    'x-worldkit-message-id': 'msg_1',
    'x-worldkit-attempt': '1',
  };

  async function answer(
    init: { method?: string; headers?: Record<string, string>; body?: string },
    handler: QueueHandler = async () => undefined,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const queueHandler = createQueueHandler(FLOW, handler);
    // Called detached, as the runtime does.
    const detached = queueHandler.bind(undefined);
    const response = await detached(
      new Request('http://localhost/.well-known/workflow/v1/flow', {
        method: init.method ?? 'POST',
        headers: init.headers ?? valid,
        ...(init.method === 'GET' ? {} : { body: init.body ?? '{"runId":"wrun_1"}' }),
      }),
    );
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it.each([
    ['no queue name header', { ...valid, 'x-worldkit-queue-name': '' }, /queue-name/],
    ['no message id header', { ...valid, 'x-worldkit-message-id': '' }, /message-id/],
    [
      'a malformed percent-encoding',
      { ...valid, 'x-worldkit-message-id': '%E0%A4%A' },
      /message-id/,
    ],
    ['attempt 0', { ...valid, 'x-worldkit-attempt': '0' }, /attempt/],
    ['a non-numeric attempt', { ...valid, 'x-worldkit-attempt': 'one' }, /attempt/],
  ])('answers 400 with a JSON error for %s', async (_row, headers, error) => {
    const result = await answer({ headers });
    expect(result.status).toBe(400);
    expect(result.body.error).toMatch(error);
  });

  it('answers 400 for an empty body and for a body that is not JSON', async () => {
    expect((await answer({ body: '' })).status).toBe(400);
    const notJson = await answer({ body: '{not json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toMatch(/invalid body/);
  });

  it('answers 405 to anything but POST', async () => {
    expect((await answer({ method: 'GET' })).status).toBe(405);
  });

  it.each([
    ['undefined', undefined, 200, { ok: true }],
    ['an object without timeoutSeconds', {}, 200, { ok: true }],
    ['timeoutSeconds 0', { timeoutSeconds: 0 }, 200, { timeoutSeconds: 0 }],
    ['timeoutSeconds 3', { timeoutSeconds: 3 }, 200, { timeoutSeconds: 3 }],
    ['a negative timeoutSeconds', { timeoutSeconds: -1 }, 500, undefined],
    ['a NaN timeoutSeconds', { timeoutSeconds: Number.NaN }, 500, undefined],
    ['an infinite timeoutSeconds', { timeoutSeconds: Number.POSITIVE_INFINITY }, 500, undefined],
    ['a string timeoutSeconds', { timeoutSeconds: '5' }, 500, undefined],
  ])('answers a handler that resolves %s', async (_row, outcome, status, body) => {
    const result = await answer({}, async () => outcome as never);
    expect(result.status).toBe(status);
    if (body === undefined) expect(result.body.error).toMatch(/invalid timeoutSeconds/);
    else expect(result.body).toEqual(body);
  });

  it('answers 500 with the text of a thrown non-Error', async () => {
    const result = await answer({}, async () => {
      throw 'plain string failure';
    });
    expect(result).toEqual({ status: 500, body: { error: 'plain string failure' } });
  });

  it('refuses to create a handler for something that is not a queue prefix', () => {
    expect(() => createQueueHandler('__wkf_workflow_x', async () => undefined)).toThrow(
      /queuePrefix/,
    );
  });
});
