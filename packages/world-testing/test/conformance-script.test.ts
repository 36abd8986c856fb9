import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

// `pnpm conformance` at the repository root: build quietly, then the suite.
const root = fileURLToPath(new URL('../../..', import.meta.url));

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env: { ...env, NO_COLOR: '1' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('pnpm conformance', () => {
  let fakeBin: string;
  beforeAll(async () => {
    fakeBin = await mkdtemp(join(tmpdir(), 'wk-fake-turbo-'));
  });
  afterAll(() => rm(fakeBin, { recursive: true, force: true }));

  test('the first thing after the command line is the suite, not the build log', {
    timeout: 300_000,
  }, async () => {
    const { code, output } = await run('pnpm', ['conformance', '--list']);
    // pnpm echoes the script (lines starting with ">") before running it.
    const lines = output.split('\n').filter((line) => line !== '' && !line.startsWith('>'));
    expect(lines[0]).toMatch(/^lifecycle {2,}factory/);
    expect(output).not.toMatch(/turbo|Tasks:|:build/);
    expect(code).toBe(0);
  });

  test('a failed build shows its log and does not run the suite', async () => {
    // A build tool that fails the way tsc does under turbo.
    const turbo = join(fakeBin, 'turbo');
    await writeFile(
      turbo,
      '#!/bin/sh\necho "@worldkit/world:build: src/index.ts(3,1): error TS1005: \';\' expected."\nexit 1\n',
    );
    await chmod(turbo, 0o755);
    const { code, output } = await run('bash', ['scripts/conformance.sh', '--list'], {
      ...process.env,
      PATH: `${fakeBin}${delimiter}${process.env.PATH}`,
    });
    expect(output).toContain(
      "@worldkit/world:build: src/index.ts(3,1): error TS1005: ';' expected.",
    );
    expect(output).toContain('pnpm conformance: the build failed (its log is above)');
    expect(output).not.toContain('lifecycle');
    expect(code).toBe(1);
  });
});
