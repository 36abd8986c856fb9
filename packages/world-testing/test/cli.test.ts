import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('worldkit-conformance', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'wk-cli-'));
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  test('a TypeScript World module passes the selected areas; the table and JSON agree', {
    timeout: 120_000,
  }, async () => {
    const json = join(directory, 'ts.json');
    const { code, output } = await run([
      fixture('shared-memory-world.ts'),
      '--area',
      'storage',
      '--area',
      'fences',
      '--json',
      json,
    ]);
    expect(output).toMatch(/^storage\s+\d+\s+0\s+0/m);
    expect(output).toMatch(/^fences\s+\d+\s+0\s+0/m);
    expect(output).toContain('PASS');
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.ok).toBe(true);
    expect(Object.keys(report.areas)).toEqual(['storage', 'fences']);
    expect(report.areas.storage.passed).toBeGreaterThan(20);
  });

  test('a broken JavaScript World module fails with a non-zero exit and names the failing case', {
    timeout: 120_000,
  }, async () => {
    const json = join(directory, 'broken.json');
    const { code, output } = await run([
      fixture('bytes-as-base64-world.mjs'),
      '--area',
      'storage',
      '--json',
      json,
    ]);
    expect(code).toBe(1);
    expect(output).toContain('FAIL');
    expect(output).toContain('Uint8Array payloads round-trip byte-exactly in every field');
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.ok).toBe(false);
    expect(report.areas.storage.failed).toBeGreaterThan(0);
  });

  test('without a target it checks the default World and says which', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await run(['--area', 'lifecycle']);
    expect(output).toMatch(/Checking @worldkit\/world-(local|testing\/memory)/);
    expect(code).toBe(0);
  });

  test('capability-gated cases are reported as not applicable, never as passed', {
    timeout: 120_000,
  }, async () => {
    const json = join(directory, 'na.json');
    const { code } = await run([
      fixture('shared-memory-world.ts'),
      '--area',
      'durability',
      '--json',
      json,
    ]);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.areas.durability).toMatchObject({ passed: 0, failed: 0 });
    expect(report.areas.durability.notApplicable).toBeGreaterThan(0);
    expect(
      report.cases.every((c: { note?: string }) => c.note?.startsWith('n/a: capability')),
    ).toBe(true);
    expect(code).toBe(0);
  });

  test('a module without a factory fails every case of the area instead of skipping them', {
    timeout: 120_000,
  }, async () => {
    const module = join(directory, 'no-factory.mjs');
    await writeFile(module, 'export const notAWorld = 1;\n');
    const json = join(directory, 'no-factory.json');
    const { code, output } = await run([module, '--area', 'lifecycle', '--json', json]);
    expect(code).toBe(1);
    expect(output).toContain('exports no World factory');
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.areas.lifecycle.passed).toBe(0);
    expect(report.areas.lifecycle.failed).toBeGreaterThan(0);
  });

  test('an unknown area is refused', async () => {
    const { code, output } = await run(['--area', 'nonsense']);
    expect(code).toBe(2);
    expect(output).toContain('unknown area "nonsense"');
  });
});
