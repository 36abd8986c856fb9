/**
 * The `--scale` report: per World, a table of every measurement at the reference store and at
 * each stored size, each size's number with its ratio to the reference measured beside it (how
 * many times slower: > 1 is worse), the seeding time and the bytes per run; then the runtime's
 * growth with the workflow's shape, as the default report shows a measurement.
 */
import { type MachineInfo, machineLine } from '../machine.js';
import type { MetricSpec } from '../measurements/types.js';
import { advantage } from '../ratio.js';
import { type BenchReport, renderMarkdown } from '../report.js';
import type { MeasurementResult, MetricResult } from '../runner.js';
import { formatNumber, quantile } from '../stats.js';
import { REFERENCE_RUNS, sizeLabel } from './plan.js';
import {
  APPENDS_PER_WRITER_PER_SECOND,
  type PruneUnderLoad,
  WITHOUT_PRUNE_MS,
} from './prune-under-load.js';
import { referenceId, type SizeResult, storedId, type WorldGrowth } from './run.js';

/** The goal: at the largest size, no measurement more than this many times slower. */
export const GROWTH_GOAL = 1.5;

export interface ScaleReport {
  startedAt: string;
  wallSeconds: number;
  scale: string;
  machine: MachineInfo;
  command: string;
  sizes: number[];
  worlds: WorldGrowth[];
  /** What a prune of the smallest size cost the appends beside it, per World. */
  pruneUnderLoad?: PruneUnderLoad[];
  /** The runtime's growth with the workflow's shape, as a default report. */
  runtime?: BenchReport;
}

/**
 * How many times worse `stored` did than `reference` on `metric`, from the medians (or pooled
 * p99s): times stored / reference, rates reference / stored.
 */
export function growthOf(
  metric: MetricSpec,
  reference: MetricResult | undefined,
  stored: MetricResult | undefined,
): number | undefined {
  return advantage(metric, reference, stored)?.ratio;
}

/** The table's number for samples pooled from several measurements: median, or p99. */
function headlineOf(metric: MetricSpec, samples: number[]): number | undefined {
  const sorted = samples.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  return quantile(sorted, metric.headline === 'p99' ? 0.99 : 0.5);
}

const rowTitle = (measurement: MeasurementResult, metric: MetricSpec) =>
  measurement.metrics.length > 1 ? `${measurement.title}: ${metric.title}` : measurement.title;

function worldTable(growth: WorldGrowth, footnote: (text: string) => string): string[] {
  const measured = growth.sizes;
  const last = measured.at(-1);
  const lines = [
    `### ${growth.world}`,
    '',
    `| measurement | unit | reference (${sizeLabel(REFERENCE_RUNS)}) | ${measured.map((size) => sizeLabel(size.finishedRuns)).join(' | ')} |`,
    `|---|---|---:|${measured.map(() => '---:').join('|')}|`,
  ];
  const template = measured.find((size) => size.measurements.length > 0)?.measurements ?? [];
  for (const measurement of template) {
    for (const metric of measurement.metrics) {
      const resultsAt = (size: SizeResult) =>
        size.measurements.find((entry) => entry.id === measurement.id)?.subjects;
      const pooled = measured.flatMap(
        (size) => resultsAt(size)?.[referenceId(growth.world)]?.metrics[metric.id]?.samples ?? [],
      );
      const reference = headlineOf(metric, pooled);
      const cells = measured.map((size) => {
        const record = resultsAt(size)?.[storedId(growth.world, size.finishedRuns)];
        if (size.failure) return `failed ${footnote(size.failure)}`;
        if (!record) return '';
        const value = record.metrics[metric.id];
        if (record.status !== 'ok' || value?.headline === undefined) {
          return `failed ${footnote(record.reason ?? value?.failures?.first ?? 'no sample')}`;
        }
        const growthFactor = growthOf(
          metric,
          resultsAt(size)?.[referenceId(growth.world)]?.metrics[metric.id],
          value,
        );
        if (growthFactor === undefined) return formatNumber(value.headline);
        const mark = size === last ? (growthFactor <= GROWTH_GOAL ? ' ✅' : ' ❌') : '';
        return `${formatNumber(value.headline)} (${growthFactor.toFixed(2)}×)${mark}`;
      });
      lines.push(
        `| ${rowTitle(measurement, metric)} | ${metric.unit} | ${reference === undefined ? '' : formatNumber(reference)} | ${cells.join(' | ')} |`,
      );
    }
  }
  const steps = [growth.reference, ...measured.map((size) => size.step)];
  const row = (
    title: string,
    unit: string,
    value: (step: NonNullable<SizeResult['step']>) => string,
  ) => `| ${title} | ${unit} | ${steps.map((step) => (step ? value(step) : '')).join(' | ')} |`;
  lines.push(
    row('seeding (bulk writes, then settling)', 's', (step) =>
      (step.seedSeconds + step.settleSeconds).toFixed(1),
    ),
    row('reading a sample back through the World', 's', (step) => step.verifySeconds.toFixed(1)),
    row('bytes per stored run', 'B', (step) => formatNumber(step.bytesPerRun)),
  );
  if (growth.failure) lines.push('', `${growth.world} failed: ${growth.failure}`);
  return lines;
}

function pruneTable(results: PruneUnderLoad[]): string[] {
  const first = results[0]!;
  return [
    `## A prune under load: ${sizeLabel(first.seededRuns)} finished runs deleted while ${first.writers} writers append, ${APPENDS_PER_WRITER_PER_SECOND} appends/s each`,
    '',
    "The World's background pruning (`retention: { olderThan: 0 }`, started with the World: " +
      'batches of 100 runs with a pause between them) until no finished run is left, while each ' +
      'writer, in the same process, appends step cycles to a run of its own at a steady ' +
      `${APPENDS_PER_WRITER_PER_SECOND} appends/s; beside it, the same writers on the same World ` +
      `for the ${WITHOUT_PRUNE_MS / 1000} s before it is started. Latencies of every append, in ms.`,
    '',
    '| World | prune | runs/s | appends/s without → during | p50 without → during | p99 without → during | max without → during |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(({ world, seededRuns, withoutPrune: a, duringPrune: b, pruneSeconds }) => {
      const [before, during] = [a.latencies, b.latencies];
      return (
        `| ${world} | ${pruneSeconds.toFixed(1)} s | ${formatNumber(seededRuns / pruneSeconds)} | ` +
        `${formatNumber(a.appendsPerSecond)} → ${formatNumber(b.appendsPerSecond)} | ` +
        `${formatNumber(before.p50)} → ${formatNumber(during.p50)} | ` +
        `${formatNumber(before.p99)} → ${formatNumber(during.p99)} (${(during.p99 / before.p99).toFixed(2)}×) | ` +
        `${formatNumber(before.max)} → ${formatNumber(during.max)} |`
      );
    }),
  ];
}

export function renderScaleMarkdown(report: ScaleReport): string {
  const notes: string[] = [];
  const footnote = (text: string) => {
    const clean = text.replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 240);
    let index = notes.indexOf(clean);
    if (index < 0) index = notes.push(clean) - 1;
    return `[${index + 1}]`;
  };
  const lines = [
    `Measured ${report.startedAt} on ${machineLine(report.machine)}; load average ${report.machine.loadAverage[0]} at the start${report.machine.loadAverageEnd ? `, ${report.machine.loadAverageEnd[0]} at the end` : ''}.`,
    `Scale \`${report.scale}\`; wall time ${Math.round(report.wallSeconds)} s; \`${report.command}\`.`,
  ];
  if (report.worlds.length > 0) {
    lines.push(
      '',
      `## Stored data: each World at ${report.sizes.map(sizeLabel).join(', ')} finished runs`,
      '',
      `Each cell: the median (p99 rows: the pooled 99th percentile) on a store of that many ` +
        `finished runs, about 10 events each, with one live run holding a hook per 100, and in ` +
        `brackets how many times slower than on the reference store of ` +
        `${REFERENCE_RUNS.toLocaleString('en-US')} runs measured beside it in the same rounds ` +
        `(> 1: slower). Goal: ≤ ${GROWTH_GOAL}× at the largest size (✅ / ❌). The reference ` +
        'column pools the reference samples of every size.',
    );
  }
  for (const growth of report.worlds) lines.push('', ...worldTable(growth, footnote));
  if (report.pruneUnderLoad?.length) lines.push('', ...pruneTable(report.pruneUnderLoad));
  if (report.runtime) {
    lines.push(
      '',
      '## The runtime, by workflow shape',
      '',
      renderMarkdown(report.runtime).trimEnd(),
    );
  }
  if (notes.length > 0) {
    lines.push('');
    for (const [index, note] of notes.entries()) lines.push(`[${index + 1}] ${note}  `);
  }
  return `${lines.join('\n')}\n`;
}
