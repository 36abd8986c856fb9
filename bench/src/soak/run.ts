/**
 * One World's soak: two fresh stores of it driven side by side with the same paced load, one
 * World instance pruning in the background by the plan's retention policy and one without, each
 * store's size sampled at the same moments. The World prunes by itself (`createWorld({ retention
 * })`, started): the bench never calls prune().
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { RetentionPolicy } from '@worldkit/world';
import { errorMessage } from '../error-message.js';
import { type LatencyTail, latencyTail } from '../stats.js';
import { opened } from '../subjects/opened.js';
import type { OpenedWorld, WorldStore, WorldSubject } from '../subjects/types.js';
import type { SoakPlan } from './plan.js';
import { openGauge, type StoreGauge, type StoreSize } from './size.js';
import { driveLoad, LoadRecorder } from './workload.js';

export interface SoakSample extends StoreSize {
  /** Since the load started. */
  seconds: number;
  /** Runs written so far (completed through the World). */
  runsWritten: number;
  /** The 99th percentile of events.create latencies since the previous sample (ms). */
  appendP99Ms: number | null;
  /** How long measuring the size took, with the gauge's maintenance (ms). */
  measureMs: number;
}

export interface SoakVariant {
  retention: RetentionPolicy | null;
  samples: SoakSample[];
  runsWritten: number;
  /** Runs written per second over the whole load, against the plan's rate. */
  achievedRate: number;
  /** events.create latencies over the whole load (ms). */
  append: LatencyTail | null;
  /** How much the store grew over the second half of the load: ≈ 0 once retention levels it. */
  lastHalf: LastHalfGrowth;
  failures: number;
  firstFailure?: string;
}

export interface LastHalfGrowth {
  /** The sample the half starts at. */
  fromSeconds: number;
  bytes: number;
  /** `bytes` as a share of the size at the half's start. */
  share: number;
  runsStored: number;
}

/** From the sample nearest the load's middle to the last one. */
export function lastHalfGrowth(samples: readonly SoakSample[]): LastHalfGrowth {
  const last = samples.at(-1)!;
  const middle = samples.reduce((nearest, sample) =>
    Math.abs(sample.seconds - last.seconds / 2) < Math.abs(nearest.seconds - last.seconds / 2)
      ? sample
      : nearest,
  );
  const bytes = last.bytes - middle.bytes;
  return {
    fromSeconds: middle.seconds,
    bytes,
    share: middle.bytes > 0 ? bytes / middle.bytes : 0,
    runsStored: last.runsStored - middle.runsStored,
  };
}

export interface SoakWorld {
  world: string;
  label: string;
  /** How the store's bytes are counted. */
  sizeMethod?: string;
  withRetention?: SoakVariant;
  withoutRetention?: SoakVariant;
  failure?: string;
}

/** Cleanups of stores still open, so an interrupted soak can still remove their data. */
const openCleanups = new Set<() => Promise<void>>();

export async function removeSoakStores(): Promise<void> {
  await Promise.all([...openCleanups].map((cleanup) => cleanup().catch(() => {})));
  openCleanups.clear();
}

/** A store, its started World instance and its gauge; `cleanup` closes the World, then removes. */
class Variant {
  readonly recorder = new LoadRecorder();
  readonly samples: SoakSample[] = [];
  private constructor(
    readonly retention: RetentionPolicy | null,
    readonly opened: OpenedWorld,
    readonly gauge: StoreGauge,
    readonly cleanup: () => Promise<void>,
  ) {}

  static async open(subject: WorldSubject, label: string, retention: RetentionPolicy | null) {
    const store: WorldStore = await subject.createStore!(label);
    let world: OpenedWorld | undefined;
    let gauge: StoreGauge | undefined;
    const cleanup = async () => {
      openCleanups.delete(cleanup);
      try {
        await world?.close();
        await gauge?.close();
      } finally {
        await store.remove();
      }
    };
    openCleanups.add(cleanup);
    try {
      world = opened(
        store.world({ worldOptions: retention === null ? {} : { retention } }),
        async () => {},
      );
      // Started as an app starts it: the queue consumer runs, and so does the retention schedule.
      await world.world.start?.();
      gauge = await openGauge(store.location);
      return new Variant(retention, world, gauge, cleanup);
    } catch (error) {
      await cleanup();
      throw error;
    }
  }

  /** One sample: the size now, with the latencies of `interval` (taken for both variants at once). */
  async sample(seconds: number, interval: { latencies: number[] }): Promise<void> {
    const started = performance.now();
    await this.gauge.maintain?.();
    const size = await this.gauge.measure();
    this.samples.push({
      seconds: Math.round(seconds * 10) / 10,
      ...size,
      runsWritten: this.recorder.runsWritten,
      appendP99Ms: latencyTail(interval.latencies)?.p99 ?? null,
      measureMs: Math.round(performance.now() - started),
    });
  }

  result(loadSeconds: number): SoakVariant {
    const { recorder } = this;
    return {
      retention: this.retention,
      samples: this.samples,
      runsWritten: recorder.runsWritten,
      achievedRate: recorder.runsWritten / loadSeconds,
      append: latencyTail(recorder.latencies) ?? null,
      lastHalf: lastHalfGrowth(this.samples),
      failures: recorder.failures,
      ...(recorder.firstFailure === undefined ? {} : { firstFailure: recorder.firstFailure }),
    };
  }
}

async function sampleBoth(variants: Variant[], seconds: number): Promise<void> {
  const sampled = variants.map((variant) => ({
    variant,
    interval: variant.recorder.takeInterval(),
  }));
  await Promise.all(sampled.map(({ variant, interval }) => variant.sample(seconds, interval)));
}

export async function soakWorld(
  subject: WorldSubject,
  plan: SoakPlan,
  progress: (line: string) => void,
): Promise<SoakWorld> {
  const result: SoakWorld = { world: subject.id, label: subject.label };
  const variants: Variant[] = [];
  try {
    variants.push(await Variant.open(subject, 'soak_with', plan.retention));
    variants.push(await Variant.open(subject, 'soak_without', null));
    const [withRetention, withoutRetention] = variants as [Variant, Variant];
    result.sizeMethod = withRetention.gauge.method;

    await sampleBoth(variants, 0);
    const started = performance.now();
    const loads = Promise.all(
      variants.map((variant) => driveLoad(variant.opened, variant.recorder, plan)),
    );
    const elapsed = () => (performance.now() - started) / 1000;
    for (let next = plan.sampleEveryMs; next < plan.durationMs; next += plan.sampleEveryMs) {
      const wait = started + next - performance.now();
      if (wait > 0) await sleep(wait);
      await sampleBoth(variants, elapsed());
      const [on, off] = [withRetention.samples.at(-1)!, withoutRetention.samples.at(-1)!];
      progress(
        `    ${Math.round(on.seconds)} s: runs stored ${on.runsStored} with retention, ` +
          `${off.runsStored} without (${on.runsWritten} and ${off.runsWritten} written)`,
      );
    }
    await loads;
    const loadSeconds = elapsed();
    await sampleBoth(variants, loadSeconds);
    result.withRetention = withRetention.result(loadSeconds);
    result.withoutRetention = withoutRetention.result(loadSeconds);
  } catch (error) {
    result.failure = errorMessage(error);
    progress(`  ${subject.id}: failed: ${result.failure}`);
  } finally {
    for (const variant of variants) {
      await variant
        .cleanup()
        .catch((error) => progress(`  cleanup failed: ${errorMessage(error)}`));
    }
  }
  return result;
}
