#!/usr/bin/env node
/**
 * `pnpm bench`: every selected subject through every selected measurement in one run, then a
 * markdown table (stdout and bench-results/<timestamp>.md) and every sample as JSON
 * (bench-results/<timestamp>.json). Progress goes to stderr.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateGoals } from './goals.js';
import { describeMachine, loadAverage } from './machine.js';
import { allMeasurements } from './measurements/index.js';
import { type BenchReport, renderMarkdown, subjectEntries } from './report.js';
import { closeOpenSessions, runBench, titleOf } from './runner.js';
import { FULL, QUICK, type Scale } from './scale.js';
import { allSubjects } from './subjects/index.js';

const USAGE = `Usage: pnpm bench [options]

  --quick                 smoke run: 2 short rounds, 200 stored runs (numbers not worth quoting)
  --subjects a,b,…        subjects to run (default: all); see --list
  --measurements a,b,…    measurements to run (default: all); see --list
  --rounds N              interleaved rounds after the warm-up
  --window-ms N           throughput window length
  --stored-runs N         runs stored before the second hook measurement
  --out DIR               where the .md and .json go (default: bench-results at the repo root)
  --list                  print subjects and measurements and exit
  --help
`;

function selected<T extends { id: string }>(
  all: T[],
  wanted: string | undefined,
  what: string,
): T[] {
  if (!wanted) return all;
  const ids = wanted
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!all.some((item) => item.id === id)) {
      throw new Error(`unknown ${what} "${id}"; known: ${all.map((item) => item.id).join(', ')}`);
    }
  }
  return all.filter((item) => ids.includes(item.id));
}

const positive = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} needs a positive integer`);
  return number;
};

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      subjects: { type: 'string' },
      measurements: { type: 'string' },
      rounds: { type: 'string' },
      'window-ms': { type: 'string' },
      'stored-runs': { type: 'string' },
      out: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const subjects = selected(allSubjects(), values.subjects, 'subject');
  const measurements = selected(allMeasurements, values.measurements, 'measurement');
  if (values.list) {
    for (const subject of allSubjects())
      process.stdout.write(`subject      ${subject.id.padEnd(20)} ${subject.label}\n`);
    for (const measurement of allMeasurements)
      process.stdout.write(
        `measurement  ${measurement.id.padEnd(20)} ${titleOf(measurement, FULL)}\n`,
      );
    return 0;
  }
  const base = values.quick ? QUICK : FULL;
  const scale: Scale = {
    ...base,
    rounds: positive(values.rounds, '--rounds') ?? base.rounds,
    windowMs: positive(values['window-ms'], '--window-ms') ?? base.windowMs,
    storedRuns: positive(values['stored-runs'], '--stored-runs') ?? base.storedRuns,
  };
  const progress = (line: string) => process.stderr.write(`${line}\n`);

  const startedAt = new Date();
  const started = performance.now();
  const machine = await describeMachine();
  progress(
    `bench (${scale.name}): ${subjects.length} subjects × ${measurements.length} measurements, ` +
      `${scale.rounds} rounds after a warm-up; load average ${machine.loadAverage.join(' ')}`,
  );
  const interrupt = () => {
    progress('interrupted: removing benchmark data');
    void closeOpenSessions().finally(() => process.exit(130));
  };
  // A World's background work (a consumer, a pool's idle client) may fail after its sample is
  // over; that is recorded, and must not end the run for every other subject.
  const background = (error: unknown) =>
    progress(`    background error (ignored): ${error instanceof Error ? error.message : error}`);
  process.on('uncaughtException', background);
  process.on('unhandledRejection', background);
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const { measurements: results, unavailable } = await runBench({
    scale,
    subjects,
    measurements,
    progress,
  });
  machine.loadAverageEnd = loadAverage();
  const report: BenchReport = {
    startedAt: startedAt.toISOString(),
    wallSeconds: (performance.now() - started) / 1000,
    scale: scale.name,
    machine,
    command: `pnpm bench ${argv.join(' ')}`.trim(),
    subjects: subjectEntries(subjects, unavailable),
    measurements: results,
    goals: evaluateGoals(results),
  };
  const markdown = renderMarkdown(report);
  const directory = path.resolve(
    values.out ?? path.join(import.meta.dirname, '..', '..', 'bench-results'),
  );
  await mkdir(directory, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  await writeFile(path.join(directory, `${stamp}.md`), markdown);
  await writeFile(path.join(directory, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(markdown);
  progress(`wrote ${path.join(directory, stamp)}.{md,json} in ${Math.round(report.wallSeconds)} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.message : error}\n`);
    process.exit(1);
  },
);
