/**
 * `pnpm bench --scale`: how each World's speed holds up as data grows. First the stored-data
 * growth (`run.ts`) of every selected World that can be seeded, then what a prune of the
 * smallest size costs the app (`prune-under-load.ts`), then the runtime by workflow shape on
 * every selected World the runtime can load, through the default run's method. One report:
 * bench-results/<timestamp>-scale.md and .json.
 */
import { type CliOptions, selected } from '../args.js';
import { errorMessage } from '../error-message.js';
import { describeMachine, loadAverage } from '../machine.js';
import { runtimeGrowth } from '../measurements/runtime-growth.js';
import { writeReportFiles } from '../output.js';
import { type BenchReport, subjectEntries } from '../report.js';
import { runBench, titleOf } from '../runner.js';
import { FULL, QUICK, type Scale } from '../scale.js';
import { allSubjects } from '../subjects/index.js';
import type { WorldSubject } from '../subjects/types.js';
import { GROWTH_MEASUREMENTS } from './measurements.js';
import { FULL_SIZES, QUICK_SIZES } from './plan.js';
import {
  measurePruneUnderLoad,
  PRUNE_UNDER_LOAD,
  type PruneUnderLoad,
} from './prune-under-load.js';
import { renderScaleMarkdown, type ScaleReport } from './report.js';
import { runGrowth } from './run.js';

/** Rounds of the runtime part: its 16 workloads per round take a while on the slower Worlds. */
const RUNTIME_ROUNDS = 3;
/** One sample of the runtime part is all 16 workloads: half a minute on a fast World, more on others. */
const RUNTIME_SAMPLE_TIMEOUT_MS = 5 * 60_000;

export const SCALE_MEASUREMENTS = [...GROWTH_MEASUREMENTS, runtimeGrowth];

export async function scaleCommand(
  options: CliOptions,
  argv: string[],
  { progress, guardProcess }: { progress(line: string): void; guardProcess(): void },
): Promise<number> {
  const known = allSubjects();
  const subjects = selected(known, options.subjects, 'subject');
  const parts = selected(
    [...SCALE_MEASUREMENTS, PRUNE_UNDER_LOAD],
    options.measurements,
    'measurement',
  );
  const measurements = parts.filter(
    (part): part is (typeof SCALE_MEASUREMENTS)[number] => part !== PRUNE_UNDER_LOAD,
  );
  const worlds = subjects.filter(
    (subject): subject is WorldSubject => subject.kind === 'world' && !!subject.createStore,
  );
  // The growth runs seed and replay 4.x logs, so the 4.x runtime's Worlds only.
  const runtimeWorlds = subjects.filter(
    (subject): subject is WorldSubject =>
      subject.kind === 'world' && !!subject.runtime && subject.line !== '5.x',
  );
  const base = options.quick ? QUICK : FULL;
  const scale: Scale = {
    ...base,
    rounds: options.rounds ?? base.rounds,
    windowMs: options.windowMs ?? base.windowMs,
  };
  if (options.list) {
    for (const subject of worlds) process.stdout.write(`stored data  ${subject.id}\n`);
    for (const subject of runtimeWorlds) process.stdout.write(`runtime      ${subject.id}\n`);
    for (const measurement of SCALE_MEASUREMENTS) {
      process.stdout.write(
        `measurement  ${measurement.id.padEnd(26)} ${titleOf(measurement, scale)}\n`,
      );
    }
    process.stdout.write(
      `measurement  ${PRUNE_UNDER_LOAD.id.padEnd(26)} ${PRUNE_UNDER_LOAD.title}\n`,
    );
    return 0;
  }
  // A retention policy from the environment would have the Worlds delete the seeded runs, all
  // finished in the past, while they are measured.
  delete process.env.WORKFLOW_RETENTION;

  const sizes = options.sizes ?? (options.quick ? QUICK_SIZES : FULL_SIZES);
  const startedAt = new Date();
  const started = performance.now();
  const machine = await describeMachine();
  progress(
    `bench --scale (${scale.name}): ${worlds.length} Worlds at ${sizes.join(', ')} stored runs, ` +
      `runtime on ${runtimeWorlds.length}; load average ${machine.loadAverage.join(' ')}`,
  );
  guardProcess();

  const storeMeasurements = measurements.filter((measurement) => measurement !== runtimeGrowth);
  const growth =
    storeMeasurements.length > 0
      ? await runGrowth({ scale, sizes, worlds, measurements: storeMeasurements, progress })
      : [];

  const pruneUnderLoad: PruneUnderLoad[] = [];
  if (parts.includes(PRUNE_UNDER_LOAD)) {
    const seededRuns = Math.min(...sizes);
    for (const world of worlds) {
      try {
        pruneUnderLoad.push(await measurePruneUnderLoad(world, seededRuns, progress));
      } catch (error) {
        progress(`  ${world.id}: prune under load failed: ${errorMessage(error)}`);
      }
    }
  }

  let runtime: BenchReport | undefined;
  if (measurements.includes(runtimeGrowth) && runtimeWorlds.length > 0) {
    const runtimeScale: Scale = {
      ...scale,
      rounds: options.rounds ?? Math.min(scale.rounds, RUNTIME_ROUNDS),
      sampleTimeoutMs: RUNTIME_SAMPLE_TIMEOUT_MS,
    };
    const runtimeStarted = performance.now();
    const { measurements: results, unavailable } = await runBench({
      scale: runtimeScale,
      subjects: runtimeWorlds,
      measurements: [runtimeGrowth],
      progress,
    });
    runtime = {
      startedAt: new Date().toISOString(),
      wallSeconds: (performance.now() - runtimeStarted) / 1000,
      scale: runtimeScale.name,
      machine: { ...machine, loadAverageEnd: loadAverage() },
      command: `pnpm bench ${argv.join(' ')}`.trim(),
      subjects: subjectEntries(runtimeWorlds, unavailable),
      measurements: results,
      goals: [],
    };
  }

  machine.loadAverageEnd = loadAverage();
  const report: ScaleReport = {
    startedAt: startedAt.toISOString(),
    wallSeconds: (performance.now() - started) / 1000,
    scale: scale.name,
    machine,
    command: `pnpm bench ${argv.join(' ')}`.trim(),
    sizes,
    worlds: growth,
    pruneUnderLoad,
    ...(runtime ? { runtime } : {}),
  };
  const output = await writeReportFiles(
    options.out,
    startedAt,
    '-scale',
    renderScaleMarkdown(report),
    report,
  );
  progress(`wrote ${output}.{md,json} in ${Math.round(report.wallSeconds)} s`);
  return 0;
}
