import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '@worldkit/world';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorld } from '../src/index.js';
import { deleteKeys, REDIS_URL, testPrefix } from './helpers.js';

const bin = fileURLToPath(new URL('../bin/worldkit-redis.cjs', import.meta.url));

function run(
  args: string[],
  script = bin,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each case starts the CLI in a Node process: on a loaded machine that alone can take seconds.
describe('worldkit-redis', { timeout: 60_000 }, () => {
  const prefix = testPrefix('cli');
  const unbuilt = mkdtempSync(join(tmpdir(), 'wk-redis-bin-'));
  afterAll(async () => {
    rmSync(unbuilt, { recursive: true, force: true });
    await deleteKeys(prefix);
  });

  it.each(['--help', '-h', 'help', 'prune --help'])(
    '`worldkit-redis %s` prints the usage on stdout and exits 0',
    async (line) => {
      const { code, stdout, stderr } = await run(line.split(' '));
      expect(stdout).toContain('Usage: worldkit-redis <command>');
      expect(stdout).toContain('prune --older-than <age>');
      expect(stderr).toBe('');
      expect(code).toBe(0);
    },
  );

  it('an unknown command or option prints the usage on stderr and exits 2', async () => {
    for (const args of [['bogus'], [], ['prune', '--older-than', '1d', '--url']]) {
      const { code, stdout, stderr } = await run(args);
      expect(stderr).toContain('Usage: worldkit-redis <command>');
      expect(stdout).toBe('');
      expect(code).toBe(2);
    }
  });

  it('prune without --older-than prints its usage on stderr and exits 2', async () => {
    const { code, stdout, stderr } = await run(['prune', '--url', REDIS_URL]);
    expect(stderr).toContain('prune needs --older-than');
    expect(stdout).toBe('');
    expect(code).toBe(2);
  });

  it('prune --dry-run lists the finished runs older than the age, and prune deletes them', async () => {
    const world = createWorld({ url: REDIS_URL, prefix });
    try {
      const runId = newId('run');
      await world.events.create(runId, {
        eventType: 'run_created',
        eventData: { deploymentId: 'd', workflowName: 'wf', input: new Uint8Array([1]) },
      });
      await world.events.create(runId, { eventType: 'run_cancelled' });
      const target = ['--url', REDIS_URL, `--prefix=${prefix}`];

      const dry = await run(['prune', '--older-than', '0', '--dry-run', ...target]);
      expect(dry.stdout).toMatch(/^would delete 1 run\(s\) finished before \S+Z$/m);
      expect(dry.stdout).toContain(`\n${runId}\n`);
      expect(dry.code).toBe(0);
      await expect(world.runs.get(runId)).resolves.toMatchObject({ status: 'cancelled' });

      const kept = await run(['prune', ...target, '--older-than', '1d']);
      expect(kept.stdout).toMatch(/^deleted 0 run\(s\) finished before /);
      await expect(world.runs.get(runId)).resolves.toMatchObject({ status: 'cancelled' });

      const pruned = await run(['prune', ...target, '--older-than', '0', '--batch-size', '5']);
      expect(pruned.stdout).toMatch(/^deleted 1 run\(s\) finished before /);
      expect(pruned.code).toBe(0);
      await expect(world.runs.get(runId)).rejects.toMatchObject({
        name: 'WorkflowRunNotFoundError',
      });
    } finally {
      await world.close();
    }
  });

  it('prune against a server that is not there says so and exits 1', async () => {
    const { code, stderr } = await run([
      'prune',
      '--older-than',
      '30d',
      '--url',
      'redis://127.0.0.1:1',
    ]);
    expect(stderr).toContain('cannot reach Redis at 127.0.0.1:1');
    expect(code).toBe(1);
  });

  it('the bin says how to build the package when it is not built yet', async () => {
    mkdirSync(join(unbuilt, 'bin'));
    const copy = join(unbuilt, 'bin', 'worldkit-redis.cjs');
    copyFileSync(bin, copy);
    const { code, stderr } = await run(['prune'], copy);
    expect(stderr).toContain(
      'worldkit-redis is not built: run `pnpm --filter @worldkit/world-redis... build`',
    );
    expect(code).toBe(1);
  });
});
