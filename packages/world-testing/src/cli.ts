#!/usr/bin/env node
/**
 * worldkit-conformance [module] [--area <name>]... [--json <file>] [--export <name>]
 *
 * Runs the conformance suite against a World module (a path to a .js/.ts file, a package folder,
 * or a package name resolved from the current directory) with vitest, printing each case as it
 * finishes and a per-area table at the end. Exits 1 on any failure, 2 on bad usage (a module it
 * cannot find included).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { startVitest } from 'vitest/node';
import { ConformanceReporter } from './cli/reporter.js';
import { resolveTarget, type Target } from './cli/resolve-target.js';
import { AREA_DESCRIPTIONS, AREAS, type ConformanceArea } from './suite/types.js';

const DEFAULT_TARGET = '@worldkit/world-local';

const USAGE = `Usage: worldkit-conformance [module] [options]

Checks a World against the Worldkit conformance suite.

  module             a World module: a path (.js, .mjs, .cjs, .ts), a package folder (its
                     package.json "exports" or "main") or a package name resolved from the
                     current directory; it exports createWorld (or a default factory) and may
                     export \`conformance\` (see the README). Default: ${DEFAULT_TARGET}
                     when installed, else the in-memory reference World.

Options:
  --area <name>      run only this area (repeatable): ${AREAS.join(', ')}
  --json <file>      write a JSON report
  --export <name>    the factory export to use (default createWorld, then default)
  --list             list the areas and exit
  -h, --help         show this help

Environment: WORLDKIT_CONFORMANCE_SEED, _MODEL_RUNS, _MODEL_COMMANDS, _WRITERS scale the
model-based and concurrency cases.`;

/** The World to check: the argument, else the default World when installed, else memory. */
function chooseTarget(argument: string | undefined): { target: Target; note?: string } {
  if (argument !== undefined) return { target: resolveTarget(argument, process.cwd()) };
  try {
    return { target: resolveTarget(DEFAULT_TARGET, process.cwd()) };
  } catch {
    const memory = fileURLToPath(new URL('./memory.js', import.meta.url));
    return {
      target: { path: memory, label: '@worldkit/world-testing/memory' },
      note: `${DEFAULT_TARGET} is not installed (or not built) here: checking the in-memory reference World instead`,
    };
  }
}

/** The test file vitest runs: it imports the target (so vite compiles TypeScript) and the suite. */
function suiteFile(
  target: Target,
  areas: ConformanceArea[] | undefined,
  exportName: string | undefined,
): string {
  const suite = new URL('./index.js', import.meta.url).href;
  const options = {
    name: target.label,
    module: target.path,
    ...(exportName === undefined ? {} : { exportName }),
    ...(areas === undefined ? {} : { areas }),
  };
  return [
    `import * as target from ${JSON.stringify(pathToFileURL(target.path).href)};`,
    `import { describeModuleConformance } from ${JSON.stringify(suite)};`,
    `describeModuleConformance(target, ${JSON.stringify(options)});`,
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      area: { type: 'string', multiple: true },
      json: { type: 'string' },
      export: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.list) {
    for (const area of AREAS)
      process.stdout.write(`${area.padEnd(12)} ${AREA_DESCRIPTIONS[area]}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new Error(`expected one module, got ${positionals.join(' ')}`);
  const areas = values.area as ConformanceArea[] | undefined;
  for (const area of areas ?? []) {
    if (!(AREAS as readonly string[]).includes(area)) {
      throw new Error(`unknown area "${area}" (areas: ${AREAS.join(', ')})`);
    }
  }

  const { target, note } = chooseTarget(positionals[0]);
  if (note) process.stdout.write(`note: ${note}\n`);
  process.stdout.write(`Checking ${target.label} (${target.path})\n`);
  process.stdout.write(`areas: ${(areas ?? AREAS).join(', ')}\n`);

  const directory = await mkdtemp(join(tmpdir(), 'worldkit-conformance-'));
  const reporter = new ConformanceReporter(target);
  try {
    await writeFile(
      join(directory, 'conformance.test.mjs'),
      suiteFile(target, areas, values.export),
    );
    const vitest = await startVitest(
      'test',
      [],
      {
        root: directory,
        config: false,
        watch: false,
        include: ['conformance.test.mjs'],
        reporters: [reporter],
        testTimeout: 30_000,
        hookTimeout: 60_000,
      },
      { server: { fs: { strict: false } } },
    );
    await vitest?.close();
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
  const report = reporter.report();
  if (values.json) {
    await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`JSON report: ${resolve(values.json)}\n`);
  }
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`worldkit-conformance: ${(error as Error)?.message ?? error}\n`);
    process.exit(2);
  },
);
