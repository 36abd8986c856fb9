/** One subject against another on one metric, the way every ratio in the report is read. */
import { perRoundRatios } from './goals.js';
import type { MetricSpec } from './measurements/types.js';
import type { MetricResult } from './runner.js';

export interface Advantage {
  /** > 1: `ours` did better, whichever way the metric points. */
  ratio: number;
  /** The same ratio taken round by round, 25th–75th percentile (medians only). */
  perRound?: { p25: number; p75: number; rounds: number };
}

/**
 * How much better `ours` did than `theirs`, from the numbers in the table: rates ours / theirs,
 * times theirs / ours, so a reader never has to remember which way a row points. A pooled p99
 * has no value per round, so it gets no per-round spread.
 */
export function advantage(
  metric: MetricSpec,
  ours: MetricResult | undefined,
  theirs: MetricResult | undefined,
): Advantage | undefined {
  const mine = ours?.headline;
  const other = theirs?.headline;
  if (!mine || !other || !Number.isFinite(mine) || !Number.isFinite(other)) return undefined;
  const higher = metric.better === 'higher';
  const ratio = higher ? mine / other : other / mine;
  const perRound =
    metric.headline === 'p99'
      ? undefined
      : higher
        ? perRoundRatios(ours, theirs)
        : perRoundRatios(theirs, ours);
  return perRound ? { ratio, perRound } : { ratio };
}
