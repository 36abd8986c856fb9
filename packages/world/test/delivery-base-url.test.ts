import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createDeliverer,
  createQueueHandler,
  DeliveryTargetError,
  detectListeningBaseUrl,
  resolveDeliveryBaseUrl,
  type ServedQueueHandlers,
  serveQueueHandlers,
} from '../src/index.js';

const cleanups: (() => unknown)[] = [];

beforeEach(() => {
  // Empty counts as unset: whatever the machine exports, each test starts from nothing.
  vi.stubEnv('WORKFLOW_LOCAL_BASE_URL', '');
  vi.stubEnv('PORT', '');
});

afterEach(async () => {
  vi.unstubAllEnvs();
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function serve(
  handlers: Parameters<typeof serveQueueHandlers>[0],
  options?: Parameters<typeof serveQueueHandlers>[1],
): Promise<ServedQueueHandlers> {
  const served = await serveQueueHandlers(handlers, options);
  cleanups.push(() => served.close());
  return served;
}

const ackingFlow = () => createQueueHandler('__wkf_workflow_', async () => undefined);

async function invalidField(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect((error as { code?: string })?.code).toBe('INVALID_INPUT');
  return (error as { field?: string }).field;
}

describe('delivery base URL', () => {
  it.each([
    [
      'the baseUrl option over everything',
      { baseUrl: 'http://app.internal:8080/base/' },
      { WORKFLOW_LOCAL_BASE_URL: 'http://env:1', PORT: '2' },
      'http://app.internal:8080/base',
    ],
    [
      'WORKFLOW_LOCAL_BASE_URL (with its base path) over the port option and PORT',
      { port: 3 },
      { WORKFLOW_LOCAL_BASE_URL: 'https://env.example/prefix?query=1#hash', PORT: '2' },
      'https://env.example/prefix',
    ],
    ['the port option over PORT', { port: 3 }, { PORT: '2' }, 'http://localhost:3'],
    ['PORT', {}, { PORT: '4321' }, 'http://localhost:4321'],
  ])('takes %s', async (_row, options, env, expected) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    expect(await resolveDeliveryBaseUrl(options)).toBe(expected);
  });

  it('reads the env on every call', async () => {
    vi.stubEnv('PORT', '1000');
    expect(await resolveDeliveryBaseUrl()).toBe('http://localhost:1000');
    vi.stubEnv('PORT', '2000');
    expect(await resolveDeliveryBaseUrl()).toBe('http://localhost:2000');
    vi.stubEnv('WORKFLOW_LOCAL_BASE_URL', 'http://127.0.0.1:3000/app');
    expect(await resolveDeliveryBaseUrl()).toBe('http://127.0.0.1:3000/app');
  });

  it.each([
    ['a baseUrl option that is not a URL', { baseUrl: 'localhost:3000' }, {}, 'baseUrl'],
    ['a baseUrl option with another scheme', { baseUrl: 'ftp://x' }, {}, 'baseUrl'],
    [
      'a WORKFLOW_LOCAL_BASE_URL that is not a URL',
      {},
      { WORKFLOW_LOCAL_BASE_URL: '::' },
      'WORKFLOW_LOCAL_BASE_URL',
    ],
    ['a port option out of range', { port: 70_000 }, {}, 'port'],
    ['a PORT that is not a number', {}, { PORT: 'http' }, 'PORT'],
  ])('refuses %s naming the source', async (_row, options, env, field) => {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    expect(await invalidField(resolveDeliveryBaseUrl(options))).toBe(field);
  });

  it('falls back to the port this process listens on', async () => {
    const served = await serve({ flow: ackingFlow() });
    expect(await resolveDeliveryBaseUrl()).toBe(served.baseUrl);
  });

  it('prefers, among several listening ports, the one whose workflow route answers', async () => {
    // Listening first, so "the first port" would be the wrong answer.
    await serve({});
    const app = await serve({ flow: ackingFlow() });
    expect(await detectListeningBaseUrl()).toBe(app.baseUrl);
  });

  it('takes the first listening port when none answers the health probe', async () => {
    const first = await serve({});
    await serve({});
    expect(await detectListeningBaseUrl()).toBe(first.baseUrl);
  });

  it('says to set PORT or WORKFLOW_LOCAL_BASE_URL when nothing is configured or listening', async () => {
    const error = await resolveDeliveryBaseUrl().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DeliveryTargetError);
    expect((error as DeliveryTargetError).message).toMatch(/PORT or WORKFLOW_LOCAL_BASE_URL/);
    expect((error as DeliveryTargetError).status).toBe(503);
  });

  it('lets a deliverer without configuration find the app, and find it again after it moves', async () => {
    const deliverer = createDeliverer();
    cleanups.push(() => deliverer.close());
    const send = () =>
      deliverer.deliver({
        queueName: '__wkf_workflow_w',
        messageId: 'msg_1',
        attempt: 1,
        payload: { runId: 'wrun_1' },
      });

    expect(await send()).toMatchObject({ kind: 'failed', message: /PORT or WORKFLOW_LOCAL/ });

    const first = await serve({ flow: ackingFlow() });
    expect(await send()).toEqual({ kind: 'ack' });

    await first.close();
    await serve({ flow: ackingFlow() });
    // The first attempt finds the old port closed and forgets it; the next finds the new one.
    expect(await send()).toMatchObject({ kind: 'failed', message: /ECONNREFUSED/ });
    expect(await send()).toEqual({ kind: 'ack' });
  });

  it('delivers under a base path taken from WORKFLOW_LOCAL_BASE_URL', async () => {
    const served = await serve({ flow: ackingFlow() }, { basePath: '/app' });
    vi.stubEnv('WORKFLOW_LOCAL_BASE_URL', served.baseUrl);
    const deliverer = createDeliverer();
    cleanups.push(() => deliverer.close());
    expect(
      await deliverer.deliver({
        queueName: '__wkf_workflow_w',
        messageId: 'msg_1',
        attempt: 1,
        payload: {},
      }),
    ).toEqual({ kind: 'ack' });
  });
});
