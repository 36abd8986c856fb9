/** The run as a markdown report (also printed) and as JSON with every sample. */
import { baselinePairs, parseBaselineSubjectId } from './baseline/ids.js';
import type { GoalResult } from './goals.js';
import { type MachineInfo, machineLine } from './machine.js';
import type { MetricSpec } from './measurements/types.js';
import { type Advantage, advantage } from './ratio.js';
import type { MeasurementResult, SubjectMeasurement } from './runner.js';
import { formatNumber } from './stats.js';
import type { Subject } from './subjects/types.js';

export interface BenchReport {
  startedAt: string;
  wallSeconds: number;
  scale: string;
  machine: MachineInfo;
  command: string;
  subjects: Array<{
    id: string;
    label: string;
    backend: string;
    family: string;
    status: string;
    reason?: string;
    describe?: string;
  }>;
  measurements: MeasurementResult[];
  goals: GoalResult[];
  /** With `--baseline`: the revision as given, the commit it resolved to, and its build. */
  baseline?: { revision: string; sha: string; shortSha: string; directory: string };
}

/**
 * The Worldkit World of each backend and the upstream World users would pick instead, on each
 * line (no upstream 5.x Redis World exists).
 */
const PAIRS = [
  { backend: 'local', worldkit: 'worldkit-local', upstream: 'upstream-local' },
  { backend: 'postgres', worldkit: 'worldkit-postgres', upstream: 'upstream-postgres' },
  { backend: 'redis', worldkit: 'worldkit-redis', upstream: 'upstream-redis' },
  { backend: 'local 5.x', worldkit: 'worldkit-local-5x', upstream: 'upstream-local-5x' },
  { backend: 'postgres 5.x', worldkit: 'worldkit-postgres-5x', upstream: 'upstream-postgres-5x' },
];

function cell(
  record: SubjectMeasurement | undefined,
  metricId: string,
  footnote: (text: string) => string,
): string {
  if (!record) return '';
  if (record.status === 'n/a') return 'n/a';
  if (record.status === 'unavailable') return '—';
  const metric = record.metrics[metricId];
  const failed = metric?.failures
    ? ` ${footnote(
        `${metric.failures.count} of ${metric.failures.count + metric.samples.length} runs failed, first: ${metric.failures.first}`,
      )}`
    : '';
  if (metric?.headline === undefined || !metric.summary) {
    return record.status === 'failed'
      ? `failed ${footnote(record.reason ?? 'failed')}`
      : `failed${failed}`;
  }
  const { p25, p75 } = metric.summary;
  const spread =
    metric.summary.n > 1 && metric.headline === metric.summary.median
      ? ` (${formatNumber(p25)}–${formatNumber(p75)})`
      : '';
  const partial = record.status === 'failed' ? ` ${footnote(`dropped: ${record.reason}`)}` : '';
  return `${formatNumber(metric.headline)}${spread}${failed}${partial}`;
}

const rowTitle = (measurement: MeasurementResult, metric: MetricSpec) =>
  measurement.metrics.length > 1 ? `${measurement.title}: ${metric.title}` : measurement.title;

/**
 * A paragraph and a table with one column per pair of subjects and one row per metric where some
 * pair has both sides: `ours` against `theirs` as an advantage (> 1: ours is better). Nothing when
 * no pair has both sides. Percentages are left out: a ratio of conflict rates says nothing a
 * reader can use.
 */
function ratioSection(
  intro: string,
  measurements: MeasurementResult[],
  columns: Array<{ heading: string; ours: string; theirs: string }>,
  format: (advantage: Advantage) => string,
): string[] {
  const rows: string[] = [];
  for (const measurement of measurements) {
    for (const metric of measurement.metrics) {
      if (metric.unit.startsWith('%')) continue;
      const cells = columns.map(({ ours, theirs }) => {
        const result = advantage(
          metric,
          measurement.subjects[ours]?.metrics[metric.id],
          measurement.subjects[theirs]?.metrics[metric.id],
        );
        return result ? format(result) : '';
      });
      if (cells.every((value) => value === '')) continue;
      rows.push(`| ${rowTitle(measurement, metric)} | ${cells.join(' | ')} |`);
    }
  }
  if (rows.length === 0) return [];
  return [
    '',
    intro,
    '',
    `| measurement | ${columns.map((column) => column.heading).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...rows,
  ];
}

export function renderMarkdown(report: BenchReport): string {
  const notes: string[] = [];
  const footnote = (text: string) => {
    const clean = text.replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 240);
    let index = notes.indexOf(clean);
    if (index < 0) index = notes.push(clean) - 1;
    return `[${index + 1}]`;
  };
  const subjects = report.subjects.filter((subject) =>
    report.measurements.some(
      (m) => m.subjects[subject.id] && m.subjects[subject.id]!.status !== 'n/a',
    ),
  );
  const lines: string[] = [];
  const load = report.machine.loadAverageEnd
    ? `load average ${report.machine.loadAverage[0]} at the start, ${report.machine.loadAverageEnd[0]} at the end`
    : `load average ${report.machine.loadAverage[0]} at the start`;
  lines.push(`Measured ${report.startedAt} on ${machineLine(report.machine)}; ${load}.`);
  lines.push(
    `Scale \`${report.scale}\`; wall time ${Math.round(report.wallSeconds)} s; \`${report.command}\`. ` +
      'Each cell: median (p25–p75) over interleaved rounds; p99 rows show the pooled 99th percentile; ' +
      '`runtime` rows time the real runtime in its app (workflow 4.8.9 in e2e; for 5.x subjects, ' +
      '5.0.0-beta.55 in e2e-5x-runtime), from `start()` to the checked result; ' +
      'n/a: does not apply; —: not installed.',
  );
  if (report.baseline) {
    const { revision, sha, shortSha, directory } = report.baseline;
    lines.push(
      `Subjects named \`…@${shortSha}\` are the same Worlds built at \`${revision}\` ` +
        `(${sha}) in \`${directory}\`.`,
    );
  }
  lines.push('');
  lines.push(`| measurement | unit | ${subjects.map((subject) => subject.id).join(' | ')} |`);
  lines.push(`|---|---|${subjects.map(() => '---:').join('|')}|`);
  for (const measurement of report.measurements) {
    for (const metric of measurement.metrics) {
      const title = rowTitle(measurement, metric);
      const cells = subjects.map((subject) =>
        cell(measurement.subjects[subject.id], metric.id, footnote),
      );
      lines.push(`| ${title} | ${metric.unit} | ${cells.join(' | ')} |`);
    }
  }

  lines.push(
    ...ratioSection(
      'Worldkit against the upstream World of the same kind, from the medians above (× > 1: Worldkit is better):',
      report.measurements,
      PAIRS.map(({ backend, worldkit, upstream }) => ({
        heading: backend,
        ours: worldkit,
        theirs: upstream,
      })),
      ({ ratio }) => `${ratio.toFixed(2)}×`,
    ),
  );
  if (report.baseline) {
    const { revision, sha } = report.baseline;
    lines.push(
      ...ratioSection(
        `This tree against the same Worlds built at \`${revision}\` (${sha}), from the medians ` +
          'above (× > 1: this tree is better; rates current / baseline, times baseline / ' +
          'current; in brackets the 25th–75th percentile of the ratio taken round by round):',
        report.measurements,
        baselinePairs(subjects.map((subject) => subject.id)).map(({ current, baseline }) => ({
          heading: `${current} vs @${parseBaselineSubjectId(baseline)!.shortSha}`,
          ours: current,
          theirs: baseline,
        })),
        ({ ratio, perRound }) =>
          `${ratio.toFixed(2)}×${perRound ? ` (${perRound.p25.toFixed(2)}–${perRound.p75.toFixed(2)})` : ''}`,
      ),
    );
  }

  if (report.goals.length > 0) lines.push(...goalsSection(report.goals));

  const unavailable = report.subjects.filter((subject) => subject.status === 'unavailable');
  if (unavailable.length > 0) {
    lines.push('');
    lines.push(
      `Not measured (—): ${unavailable.map((subject) => `${subject.id} (${subject.reason})`).join('; ')}.`,
    );
  }
  if (notes.length > 0) {
    lines.push('');
    for (const [index, note] of notes.entries()) lines.push(`[${index + 1}] ${note}  `);
  }
  return `${lines.join('\n')}\n`;
}

/** The goals, met or not, from the same run. */
function goalsSection(goals: GoalResult[]): string[] {
  const lines: string[] = [];
  lines.push('');
  lines.push(
    'Goals (measured: the ratio of the medians above, or the median; in brackets the 25th–75th ' +
      'percentile of the same ratio taken round by round):',
  );
  lines.push('');
  lines.push('| goal | target | measured | | from |');
  lines.push('|---|---:|---:|---|---|');
  for (const goal of goals) {
    const spread = goal.perRound
      ? ` (${goal.perRound.p25.toFixed(2)}–${goal.perRound.p75.toFixed(2)})`
      : '';
    const measured =
      goal.measured === undefined
        ? '—'
        : `${goal.measured.toFixed(2)}${goal.unit === '×' ? '×' : ' ms'}${spread}`;
    const mark =
      goal.status === 'met' ? '✅ met' : goal.status === 'not met' ? '❌ not met' : '⚪ missing';
    lines.push(
      `| ${goal.goal} | ${goal.op} ${goal.target}${goal.unit === '×' ? '×' : ' ms'} | ${measured} | ${mark} | ${goal.detail} |`,
    );
  }
  return lines;
}

export function subjectEntries(
  subjects: Subject[],
  unavailable: Map<string, string>,
): BenchReport['subjects'] {
  return subjects.map((subject) => ({
    id: subject.id,
    label: subject.label,
    backend: subject.backend,
    family: subject.family,
    status: unavailable.has(subject.id) ? 'unavailable' : 'measured',
    ...(unavailable.has(subject.id) ? { reason: unavailable.get(subject.id) } : {}),
    ...(subject.kind === 'raw' ? { describe: subject.describe() } : {}),
  }));
}
