import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';

const bin = fileURLToPath(new URL('../bin/worldkit-conformance.js', import.meta.url));

function run(script: string, args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { code: result.status, output: result.stdout + result.stderr };
}

// Each case starts the CLI in a Node process: on a loaded machine that alone can take seconds.
describe('the worldkit-conformance bin', { timeout: 60_000 }, () => {
  const unbuilt = mkdtempSync(join(tmpdir(), 'wk-bin-'));
  afterAll(() => rmSync(unbuilt, { recursive: true, force: true }));

  test('runs the built CLI', () => {
    const { code, output } = run(bin, ['--list']);
    expect(output).toMatch(/^lifecycle {2,}factory/m);
    expect(code).toBe(0);
  });

  test('in a package that is not built yet, says how to build it', () => {
    mkdirSync(join(unbuilt, 'bin'));
    const copy = join(unbuilt, 'bin', 'worldkit-conformance.js');
    copyFileSync(bin, copy);
    const { code, output } = run(copy, ['--list']);
    expect(output).toContain(
      'worldkit-conformance is not built: run `pnpm --filter @worldkit/world-testing... build`',
    );
    expect(code).toBe(1);
  });
});
