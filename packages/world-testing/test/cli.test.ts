import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function run(args: string[], cwd?: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
      ...(cwd === undefined ? {} : { cwd }),
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) => resolve({ code, output }));
  });
}

const memory = pathToFileURL(fileURLToPath(new URL('../dist/memory.js', import.meta.url))).href;

/**
 * A built World package in `folder`: "exports" names the ESM build for `import` and a CommonJS
 * file that does not exist for `require`, as does "main", so only the import entry can work.
 */
async function writeWorldPackage(folder: string, built = true): Promise<void> {
  await mkdir(join(folder, 'dist'), { recursive: true });
  await writeFile(
    join(folder, 'package.json'),
    JSON.stringify({
      name: '@example/my-world',
      type: 'module',
      main: './dist/index.cjs',
      exports: {
        '.': { types: './dist/index.d.ts', require: './dist/index.cjs', import: './dist/index.js' },
      },
    }),
  );
  if (built) {
    await writeFile(
      join(folder, 'dist', 'index.js'),
      [
        `import { createMemoryBackend, createMemoryWorld } from ${JSON.stringify(memory)};`,
        'const backend = createMemoryBackend();',
        'export const createWorld = () => createMemoryWorld({ backend });',
        '',
      ].join('\n'),
    );
  }
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

  test('the summary says how to run the cases that were not applicable', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await run([
      fixture('shared-memory-world.ts'),
      '--area',
      'concurrency',
      '--area',
      'durability',
    ]);
    expect(output).toContain(
      'To run the n/a cases (10 need multiProcess, 4 durableStorage, 1 durableQueue), a World that gives these guarantees declares them: `capabilities: { multiProcess: true, durableStorage: true, durableQueue: true }`',
    );
    expect(output).toContain(
      'Multi-process cases import this module again in child processes: their World must reach the same backend',
    );
    expect(code).toBe(0);
  });

  test('an unknown area is refused', { timeout: 120_000 }, async () => {
    const { code, output } = await run(['--area', 'nonsense']);
    expect(code).toBe(2);
    expect(output).toContain('unknown area "nonsense"');
  });
});

describe('worldkit-conformance: which module it checks', () => {
  let directory: string;
  let world: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'wk-cli-target-'));
    world = join(directory, 'my-world');
    await writeWorldPackage(world);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  test('a package folder, as `.` from inside it, is checked through the import entry of its exports', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await run(['.', '--area', 'lifecycle'], world);
    expect(output).toContain(`Checking . (${join(world, 'dist', 'index.js')})`);
    expect(output).toMatch(/^lifecycle\s+\d+\s+0\s+0/m);
    expect(code).toBe(0);
  });

  test('a package folder by absolute path', { timeout: 120_000 }, async () => {
    const { code, output } = await run([world, '--area', 'lifecycle'], tmpdir());
    expect(output).toContain(`Checking ${world} (${join(world, 'dist', 'index.js')})`);
    expect(code).toBe(0);
  });

  test('a relative path without ./ is the file when it exists', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await run(
      ['my-world/dist/index.js', '--area', 'lifecycle'],
      directory,
    );
    expect(output).toContain(`(${join(world, 'dist', 'index.js')})`);
    expect(code).toBe(0);
  });

  test('otherwise the argument is a package name, found in node_modules and imported', {
    timeout: 120_000,
  }, async () => {
    const project = join(directory, 'project');
    const installed = join(project, 'node_modules', '@example', 'my-world');
    await cp(world, installed, { recursive: true });
    const { code, output } = await run(['@example/my-world', '--area', 'lifecycle'], project);
    expect(output).toContain(`Checking @example/my-world (${join(installed, 'dist', 'index.js')})`);
    expect(code).toBe(0);
  });

  test('a module it cannot find: every place it looked, exit 2, and no results table', {
    timeout: 120_000,
  }, async () => {
    const { code, output } = await run(['my-world/dist/main.js', '--area', 'lifecycle'], directory);
    expect(output).toContain('cannot find the World module "my-world/dist/main.js"');
    expect(output).toContain(`${join(directory, 'my-world/dist/main.js')}: no such file or folder`);
    expect(output).toContain(
      `${join(directory, 'node_modules', 'my-world')}: no package my-world installed here`,
    );
    expect(output).not.toMatch(/^total/m);
    expect(code).toBe(2);
  });

  test('a package folder that is not built: the file its exports name, exit 2', {
    timeout: 120_000,
  }, async () => {
    const unbuilt = join(directory, 'unbuilt-world');
    await writeWorldPackage(unbuilt, false);
    const { code, output } = await run([unbuilt, '--area', 'lifecycle']);
    expect(output).toContain(
      `${join(unbuilt, 'dist', 'index.js')}: no such file (package.json "exports" of "."; is the package built?)`,
    );
    expect(output).not.toMatch(/^total/m);
    expect(code).toBe(2);
  });

  test('a module that fails to import: its path and the reason, exit 1, and no results table', {
    timeout: 120_000,
  }, async () => {
    const module = join(directory, 'throws.mjs');
    await writeFile(module, "throw new Error('MY_WORLD_URL is not set');\n");
    const { code, output } = await run([module, '--area', 'lifecycle']);
    expect(output).toContain(`cannot load the World module "${module}"\n  ${module}:\n`);
    expect(output).toContain('MY_WORLD_URL is not set');
    expect(output).not.toMatch(/^total/m);
    expect(output).not.toContain('0 passed');
    expect(code).toBe(1);
  });
});
