import { describe, expect, test } from 'vitest';
import { spawnWorldProcess } from '../src/child/client.js';
import { DEFAULT_TIMING } from '../src/index.js';
import { ev, payload } from '../src/suite/fixtures.js';
import { newRunId } from '../src/suite/names.js';

describe('World child processes', () => {
  test('a child opens a TypeScript World module and performs calls with bytes and dates intact', {
    timeout: 60_000,
  }, async () => {
    const child = await spawnWorldProcess(
      { module: new URL('./fixtures/shared-memory-world.ts', import.meta.url).pathname },
      DEFAULT_TIMING,
    );
    try {
      const runId = newRunId();
      const input = payload('child');
      const created = await child.call<{ run: { input: Uint8Array; createdAt: Date } }>(
        'events.create',
        runId,
        ev.runCreated({ input }),
        undefined,
      );
      expect(created.run.input).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(created.run.input).equals(Buffer.from(input))).toBe(true);
      expect(created.run.createdAt).toBeInstanceOf(Date);
      const error = await child.call('runs.get', newRunId()).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'WorkflowRunNotFoundError', status: 404 });
    } finally {
      await child.close();
    }
  });

  test('a killed child rejects its pending calls', { timeout: 60_000 }, async () => {
    const child = await spawnWorldProcess(
      { module: new URL('./fixtures/shared-memory-world.ts', import.meta.url).pathname },
      DEFAULT_TIMING,
    );
    const reading = child.call('readStream', `strm_${newRunId()}`, 0);
    await child.kill();
    await expect(reading).rejects.toThrow(/exited/);
  });
});
