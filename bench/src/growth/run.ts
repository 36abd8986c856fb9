/**
 * The stored-data half of `--scale`, World by World: a store grown size by size (100k, then 1M
 * finished runs) through the seeders; after each growth step, a reference store of 2,000
 * finished runs is seeded beside it and every measurement runs on both in the default run's
 * interleaved rounds, so each ratio compares two numbers taken moments apart on the same machine.
 */

import { errorMessage } from '../error-message.js';
import type { Measurement } from '../measurements/types.js';
import type { MeasurementResult } from '../runner.js';
import { runMeasurement } from '../runner.js';
import type { Scale } from '../scale.js';
import type { WorldSubject } from '../subjects/types.js';
import { REFERENCE_RUNS, sizeLabel } from './plan.js';
import { type GrowthStep, SeededStore } from './store.js';

/** The measurements' subject ids for a World's two stores. */
export const referenceId = (world: string) => `${world}@reference`;
export const storedId = (world: string, size: number) => `${world}@${sizeLabel(size)}`;

export interface SizeResult {
  finishedRuns: number;
  step?: GrowthStep;
  measurements: MeasurementResult[];
  /** Why this size (and every larger one) was not measured. */
  failure?: string;
}

export interface WorldGrowth {
  world: string;
  label: string;
  reference?: GrowthStep;
  sizes: SizeResult[];
  failure?: string;
}

export interface GrowthOptions {
  scale: Scale;
  sizes: number[];
  worlds: WorldSubject[];
  measurements: Measurement[];
  progress(line: string): void;
}

/** Stores not yet removed, so an interrupted bench can still remove their data. */
const openStores = new Set<SeededStore>();

/** The first step of an interruption: no more World instances on any store. */
export function shutDownOpenStores(): void {
  for (const store of openStores) store.shutDown();
}

export async function removeOpenStores(): Promise<void> {
  await Promise.all([...openStores].map((store) => store.remove().catch(() => {})));
  openStores.clear();
}

async function createStore(subject: WorldSubject, label: string, maxRuns: number) {
  const store = await SeededStore.create(subject, label, maxRuns);
  openStores.add(store);
  return store;
}

async function remove(store: SeededStore | undefined) {
  if (!store) return;
  openStores.delete(store);
  await store.remove();
}

const seconds = (step: GrowthStep) =>
  `${(step.seedSeconds + step.settleSeconds).toFixed(1)} s, verified in ${step.verifySeconds.toFixed(1)} s, ${Math.round(step.bytesPerRun).toLocaleString('en-US')} B per run`;

/** Seeds a reference store: the same data as the grown store, 2,000 finished runs of it. */
async function referenceStore(subject: WorldSubject, progress: GrowthOptions['progress']) {
  const store = await createStore(subject, 'scale_reference', REFERENCE_RUNS);
  const step = await store.growTo(REFERENCE_RUNS, progress);
  progress(`    reference store seeded in ${seconds(step)}`);
  return { store, step };
}

async function growWorld(subject: WorldSubject, options: GrowthOptions): Promise<WorldGrowth> {
  const { progress, sizes } = options;
  const growth: WorldGrowth = { world: subject.id, label: subject.label, sizes: [] };
  let stored: SeededStore | undefined;
  try {
    stored = await createStore(subject, 'scale', Math.max(...sizes));
    for (const size of sizes) {
      const result: SizeResult = { finishedRuns: size, measurements: [] };
      growth.sizes.push(result);
      progress(`  ${subject.id}: growing to ${size.toLocaleString('en-US')} finished runs`);
      try {
        result.step = await stored.growTo(size, (line) => progress(`    ${line}`));
      } catch (error) {
        result.failure = `seeding failed: ${errorMessage(error)}`;
        progress(`    ${result.failure}`);
        break;
      }
      progress(`    seeded in ${seconds(result.step)}`);
      // A new reference store per size: the measurements write runs (some with large logs),
      // and both stores must hold the same of them when measured side by side.
      const reference = await referenceStore(subject, progress);
      growth.reference ??= reference.step;
      try {
        const subjects = [
          reference.store.measured(referenceId(subject.id)),
          stored.measured(storedId(subject.id, size)),
        ];
        for (const [index, measurement] of options.measurements.entries()) {
          progress(`  [${index + 1}/${options.measurements.length}] ${measurement.id}`);
          result.measurements.push(
            await runMeasurement(measurement, subjects, options, new Map<string, string>()),
          );
        }
      } finally {
        await remove(reference.store);
      }
    }
  } catch (error) {
    growth.failure = errorMessage(error);
    progress(`  ${subject.id}: failed: ${growth.failure}`);
  } finally {
    await remove(stored).catch((error) => progress(`  cleanup failed: ${errorMessage(error)}`));
  }
  return growth;
}

export async function runGrowth(options: GrowthOptions): Promise<WorldGrowth[]> {
  const results: WorldGrowth[] = [];
  for (const world of options.worlds) {
    options.progress(`${world.id}: ${options.sizes.map(sizeLabel).join(', ')}`);
    results.push(await growWorld(world, options));
  }
  return results;
}
