/**
 * The method: for each measurement, every subject gets fresh isolated data and its setup; one
 * warm-up sample each (discarded); then interleaved rounds — subject A, B, C, … then again, the
 * starting subject rotating every round — so drift and background noise on a shared machine land
 * on every subject alike. A subject that fails is recorded and dropped; it never stops the bench.
 */
import type { Measurement, MetricSpec, Session } from './measurements/types.js';
import { NotApplicableError } from './measurements/types.js';
import type { Scale } from './scale.js';
import { formatNumber, quantile, type Summary, summarize } from './stats.js';
import { type Subject, SubjectUnavailableError } from './subjects/types.js';

export type SubjectStatus = 'ok' | 'n/a' | 'unavailable' | 'failed';

export interface MetricResult {
  /** Every sample of every round, in the order taken (warm-up excluded). */
  samples: number[];
  /**
   * The median of each round's samples, by round (null: no sample that round), so ratios can be
   * taken round by round between subjects measured moments apart.
   */
  byRound: Array<number | null>;
  summary?: Summary & { p99: number };
  /** The number shown in the table: the median, or the pooled p99 for p99 metrics. */
  headline?: number;
  failures?: { count: number; first: string };
}

export interface SubjectMeasurement {
  status: SubjectStatus;
  reason?: string;
  metrics: Record<string, MetricResult>;
  /** Sample errors that did not (yet) drop the subject. */
  errors: string[];
}

export interface MeasurementResult {
  id: string;
  title: string;
  metrics: MetricSpec[];
  subjects: Record<string, SubjectMeasurement>;
  wallMs: number;
}

export interface RunOptions {
  scale: Scale;
  subjects: Subject[];
  measurements: Measurement[];
  progress(line: string): void;
}

/** A sample that failed this often is not retried: the subject is dropped from the measurement. */
const MAX_SAMPLE_ERRORS = 2;

function timeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

const message = (error: unknown) =>
  error instanceof Error
    ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
    : String(error);

/** Sessions still open, so an interrupted bench can still remove its data. */
const openSessions = new Set<Session>();

export async function closeOpenSessions(): Promise<void> {
  await Promise.all(
    [...openSessions].map((session) => timeout(session.close(), 30_000, 'close').catch(() => {})),
  );
  openSessions.clear();
}

function finish(metric: MetricSpec, result: MetricResult): void {
  const summary = summarize(result.samples);
  if (!summary) return;
  const sorted = [...result.samples].filter(Number.isFinite).sort((a, b) => a - b);
  result.summary = { ...summary, p99: quantile(sorted, 0.99) };
  result.headline = metric.headline === 'p99' ? result.summary.p99 : summary.median;
}

export async function runMeasurement(
  measurement: Measurement,
  subjects: Subject[],
  { scale, progress }: Pick<RunOptions, 'scale' | 'progress'>,
  unavailable: Map<string, string>,
): Promise<MeasurementResult> {
  const started = performance.now();
  const result: MeasurementResult = {
    id: measurement.id,
    title: titleOf(measurement, scale),
    metrics: measurement.metrics,
    subjects: {},
    wallMs: 0,
  };
  const sessions = new Map<Subject, Session>();
  const entry = (subject: Subject) => result.subjects[subject.id]!;
  const metricOf = (subject: Subject, metric: string): MetricResult => {
    entry(subject).metrics[metric] ??= {
      samples: [],
      byRound: Array.from({ length: scale.rounds }, () => null),
    };
    return entry(subject).metrics[metric]!;
  };

  const setUp = async (subject: Subject) => {
    const record: SubjectMeasurement = { status: 'ok', metrics: {}, errors: [] };
    result.subjects[subject.id] = record;
    const skip = unavailable.get(subject.id) ?? measurement.notApplicable(subject);
    if (skip !== undefined) {
      record.status = unavailable.has(subject.id) ? 'unavailable' : 'n/a';
      record.reason = skip;
      return;
    }
    const setupStarted = performance.now();
    try {
      const session = await timeout(
        measurement.open(subject, {
          scale,
          label: measurement.id,
          note: (line) => progress(`    ${subject.id}: ${line}`),
        }),
        scale.sampleTimeoutMs * 5,
        'setup',
      );
      sessions.set(subject, session);
      openSessions.add(session);
      progress(
        `    ${subject.id}: ready (${((performance.now() - setupStarted) / 1000).toFixed(1)} s)`,
      );
    } catch (error) {
      if (error instanceof SubjectUnavailableError) {
        unavailable.set(subject.id, error.message);
        record.status = 'unavailable';
      } else {
        record.status = error instanceof NotApplicableError ? 'n/a' : 'failed';
      }
      record.reason = message(error);
      if (record.status === 'failed') progress(`    ${subject.id}: setup failed: ${record.reason}`);
    }
  };
  if (measurement.parallelSetup) await Promise.all(subjects.map(setUp));
  else for (const subject of subjects) await setUp(subject);
  // Subjects keep table order whatever order their setup finished in.
  result.subjects = Object.fromEntries(subjects.map((subject) => [subject.id, entry(subject)]));

  const drop = async (subject: Subject, reason: string) => {
    const session = sessions.get(subject)!;
    sessions.delete(subject);
    openSessions.delete(session);
    entry(subject).status = 'failed';
    entry(subject).reason = reason;
    await timeout(session.close(), 30_000, 'close').catch(() => {});
  };

  /** One sample set; `round` undefined for the warm-up, whose samples are discarded. */
  const sampleOnce = async (subject: Subject, round: number | undefined): Promise<string> => {
    const session = sessions.get(subject);
    if (!session) return '';
    try {
      const samples = await timeout(session.sample(), scale.sampleTimeoutMs, 'sample');
      if (round === undefined) return 'warm';
      for (const [metric, values] of Object.entries(samples)) {
        const result = metricOf(subject, metric);
        result.samples.push(...values);
        result.byRound[round] = summarize(values)?.median ?? null;
      }
      const first = measurement.metrics[0]!;
      const values = samples[first.id];
      return values && values.length > 0 ? formatNumber(values[values.length - 1]!) : 'failed';
    } catch (error) {
      const record = entry(subject);
      record.errors.push(message(error));
      if (record.errors.length >= MAX_SAMPLE_ERRORS) await drop(subject, record.errors[0]!);
      return `error (${message(error).slice(0, 80)})`;
    }
  };

  const active = () => subjects.filter((subject) => sessions.has(subject));
  for (const subject of active()) await sampleOnce(subject, undefined);
  // Failures during the warm-up are discarded with its samples.
  for (const session of sessions.values()) session.failures?.clear();
  for (let round = 0; round < scale.rounds; round++) {
    const order = active();
    const rotated = [
      ...order.slice(round % Math.max(1, order.length)),
      ...order.slice(0, round % Math.max(1, order.length)),
    ];
    const cells: string[] = [];
    for (const subject of rotated) cells.push(`${subject.id} ${await sampleOnce(subject, round)}`);
    progress(`    round ${round + 1}/${scale.rounds}: ${cells.join(' | ') || 'no subject'}`);
  }

  for (const [subject, session] of sessions) {
    openSessions.delete(session);
    await timeout(session.close(), 60_000, 'close').catch((error) => {
      entry(subject).errors.push(`cleanup: ${message(error)}`);
    });
    for (const [metric, messages] of session.failures ?? []) {
      metricOf(subject, metric).failures = { count: messages.length, first: messages[0]! };
    }
  }
  for (const subject of subjects) {
    const record = entry(subject);
    for (const metric of measurement.metrics) {
      const metricResult = record.metrics[metric.id];
      if (metricResult) finish(metric, metricResult);
    }
  }
  result.wallMs = performance.now() - started;
  return result;
}

export const titleOf = (measurement: Measurement, scale: Scale): string =>
  typeof measurement.title === 'function' ? measurement.title(scale) : measurement.title;

/** Prepares every subject once, runs every measurement, and disposes of the subjects. */
export async function runBench(options: RunOptions) {
  const unavailable = new Map<string, string>();
  const { progress } = options;
  for (const subject of options.subjects) {
    try {
      await timeout(subject.prepare?.() ?? Promise.resolve(), 120_000, 'prepare');
    } catch (error) {
      unavailable.set(subject.id, message(error));
      progress(`  ${subject.id}: unavailable: ${message(error)}`);
    }
  }
  const measurements: MeasurementResult[] = [];
  try {
    for (const [index, measurement] of options.measurements.entries()) {
      progress(
        `[${index + 1}/${options.measurements.length}] ${titleOf(measurement, options.scale)}`,
      );
      measurements.push(await runMeasurement(measurement, options.subjects, options, unavailable));
      progress(`    done in ${(measurements.at(-1)!.wallMs / 1000).toFixed(1)} s`);
    }
  } finally {
    await closeOpenSessions();
    for (const subject of options.subjects) {
      await timeout(subject.dispose?.() ?? Promise.resolve(), 60_000, 'dispose').catch((error) =>
        progress(`  ${subject.id}: cleanup failed: ${message(error)}`),
      );
    }
  }
  return { measurements, unavailable };
}
