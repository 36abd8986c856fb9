#!/usr/bin/env node
import path from 'node:path';
import { parseCliArgs, selected, USAGE } from './args.js';
import { baselineSubjects } from './baseline/subjects.js';
import { ensureBaselineBuild } from './baseline/worktree.js';
/**
 * `pnpm bench`: every selected subject through every selected measurement in one run, then a
 * markdown table (stdout and bench-results/<timestamp>.md) and every sample as JSON
 * (bench-results/<timestamp>.json). Progress goes to stderr. `pnpm bench --scale` is the
 * growth mode instead (growth/command.ts), `pnpm bench --soak` the retention soak (soak/command.ts).
 */
import { errorMessage } from './error-message.js';
import { evaluateGoals } from './goals.js';
import { scaleCommand } from './growth/command.js';
import { removeOpenStores, shutDownOpenStores } from './growth/run.js';
import { describeMachine, loadAverage } from './machine.js';
import { allMeasurements } from './measurements/index.js';
import { writeReportFiles } from './output.js';
import { type BenchReport, renderMarkdown, subjectEntries } from './report.js';
import { closeOpenSessions, runBench, titleOf } from './runner.js';
import { FULL, QUICK, type Scale } from './scale.js';
import { soakCommand } from './soak/command.js';
import { removeSoakStores } from './soak/run.js';
import { allSubjects } from './subjects/index.js';
import { WORLDKIT_WORLDS } from './subjects/worlds.js';

/** Builds the baseline, when asked for one, and names its Worlds as subjects. */
async function baselineOf(revision: string | undefined, progress: (line: string) => void) {
  if (revision === undefined) return { build: undefined, subjects: [] };
  const build = await ensureBaselineBuild(revision, {
    repository: path.resolve(import.meta.dirname, '..', '..'),
    worldPackages: WORLDKIT_WORLDS.map((world) => world.packageName),
    progress,
  });
  return { build, subjects: await baselineSubjects(build) };
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Once measuring starts: Ctrl-C removes the benchmark data before exiting, and a World's
 * background work (a consumer, a pool's idle client) that fails after its sample is over is
 * recorded instead of ending the run for every other subject.
 */
function guardProcess(): void {
  const interrupt = () => {
    progress('interrupted: removing benchmark data');
    // No new World instance, then the open ones closed: one could write into a store as it
    // is removed.
    shutDownOpenStores();
    void closeOpenSessions()
      .then(removeOpenStores)
      .then(removeSoakStores)
      .finally(() => process.exit(130));
  };
  const background = (error: unknown) =>
    progress(`    background error (ignored): ${errorMessage(error)}`);
  process.on('uncaughtException', background);
  process.on('unhandledRejection', background);
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
}

async function main(argv: string[]): Promise<number> {
  const options = parseCliArgs(argv);
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (options.scale) return scaleCommand(options, argv, { progress, guardProcess });
  if (options.soak) return soakCommand(options, argv, { progress, guardProcess });
  const measurements = selected(allMeasurements, options.measurements, 'measurement');
  const baseline = await baselineOf(options.baseline, progress);
  const known = allSubjects(baseline.subjects);
  const subjects = selected(known, options.subjects, 'subject');
  if (options.list) {
    for (const subject of known)
      process.stdout.write(`subject      ${subject.id.padEnd(26)} ${subject.label}\n`);
    for (const measurement of allMeasurements)
      process.stdout.write(
        `measurement  ${measurement.id.padEnd(26)} ${titleOf(measurement, FULL)}\n`,
      );
    return 0;
  }
  const base = options.quick ? QUICK : FULL;
  const scale: Scale = {
    ...base,
    rounds: options.rounds ?? base.rounds,
    windowMs: options.windowMs ?? base.windowMs,
    storedRuns: options.storedRuns ?? base.storedRuns,
  };

  const startedAt = new Date();
  const started = performance.now();
  const machine = await describeMachine();
  progress(
    `bench (${scale.name}): ${subjects.length} subjects × ${measurements.length} measurements, ` +
      `${scale.rounds} rounds after a warm-up; load average ${machine.loadAverage.join(' ')}`,
  );
  guardProcess();

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
    ...(baseline.build ? { baseline: baseline.build } : {}),
  };
  const output = await writeReportFiles(options.out, startedAt, '', renderMarkdown(report), report);
  progress(`wrote ${output}.{md,json} in ${Math.round(report.wallSeconds)} s`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`bench failed: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
