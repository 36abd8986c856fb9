import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { newId, WorkflowWorldError } from '@worldkit/world';
import { freePort } from '@worldkit/world-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { FIRST_CONNECTION_BUDGET_MS } from '../src/server-client.js';
import { REDIS_URL, testPrefix } from './helpers.js';
import { PrivateRedis } from './private-redis.js';

const firstCall = fileURLToPath(new URL('./fixtures/first-call.mjs', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

interface Outcome {
  outcome: 'found' | 'error';
  worldError?: boolean;
  status?: number;
  code?: string;
  message?: string;
}

/**
 * Runs the built package's first World call in a child process. A child still alive after
 * `killAfterMs` is killed, and reported with a null exit code: it would never have ended by itself.
 */
function runFirstCall(
  env: Record<string, string>,
  killAfterMs = 20_000,
): Promise<{ exitCode: number | null; outcome: Outcome | undefined; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [firstCall], {
      cwd: packageDir,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (exitCode) => {
      clearTimeout(killer);
      const line = stdout.trim().split('\n').at(-1);
      resolve({ exitCode, outcome: line ? (JSON.parse(line) as Outcome) : undefined, stderr });
    });
  });
}

describe('a server that cannot be reached', () => {
  it('fails the first call with an error naming the server and WORKFLOW_REDIS_URL, and lets the process end without close()', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const { exitCode, outcome, stderr } = await runFirstCall({
      WORKFLOW_REDIS_URL: `redis://127.0.0.1:${port}`,
    });
    expect(stderr).toBe('');
    expect(outcome).toMatchObject({ outcome: 'error', worldError: true, status: 503 });
    expect(outcome?.message).toContain(`cannot reach Redis at 127.0.0.1:${port}`);
    expect(outcome?.message).toContain('ECONNREFUSED');
    expect(outcome?.message).toContain('WORKFLOW_REDIS_URL');
    expect(exitCode).toBe(0);
  });

  it('lets the process end after close() once it was connected', {
    timeout: 60_000,
  }, async () => {
    const prefix = testPrefix('first-call');
    const { exitCode, outcome } = await runFirstCall({
      WORKFLOW_REDIS_URL: REDIS_URL,
      FIRST_CALL_PREFIX: prefix,
      FIRST_CALL_CLOSE: '1',
    });
    expect(outcome).toMatchObject({ outcome: 'error', status: 404 });
    expect(exitCode).toBe(0);
  });
});

describe('a server that comes and goes', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start(['--appendonly', 'yes', '--appendfsync', 'always']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const runCreated = {
    eventType: 'run_created' as const,
    eventData: { deploymentId: 'd', workflowName: 'w', input: new Uint8Array([1]) },
  };

  it('connects on a later call once a server that was down at the first one is up', {
    timeout: 60_000,
  }, async () => {
    await server.crash();
    const world = createWorld({ url: server.url, prefix: 'late' });
    const runId = newId('run');
    const failure = await world.events.create(runId, runCreated).catch((error: unknown) => error);
    await server.start();
    expect(failure).toBeInstanceOf(WorkflowWorldError);
    expect((failure as Error).message).toContain(`cannot reach Redis at 127.0.0.1:${server.port}`);

    const created = await world.events.create(runId, runCreated);
    expect(created.run?.runId).toBe(runId);
    await world.close();
  });

  it('keeps a call made while a connected server restarts, for longer than a first connection may take', {
    timeout: 60_000,
  }, async () => {
    const world = createWorld({ url: server.url, prefix: 'restart' });
    const runId = newId('run');
    await world.events.create(runId, runCreated);

    await server.crash();
    // Issued while the server is down: it waits in the offline queue for the reconnection.
    const duringRestart = world.runs.get(runId).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, FIRST_CONNECTION_BUDGET_MS + 1000));
    await server.start();
    expect(await duringRestart).toMatchObject({ runId });
    await world.close();
  });

  it('fails a call with the same error once a connected server stays down for its reconnection attempts', {
    timeout: 60_000,
  }, async () => {
    const world = createWorld({ url: server.url, prefix: 'gone' });
    await world.runs.list({});
    await server.crash();
    try {
      const failure = await world.runs.list({}).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WorkflowWorldError);
      expect((failure as Error).message).toContain(
        `cannot reach Redis at 127.0.0.1:${server.port}`,
      );
      expect((failure as Error).message).toContain('WORKFLOW_REDIS_URL');
    } finally {
      await server.start();
      await world.close();
    }
  });
});
