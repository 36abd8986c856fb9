import type { Scale } from '../scale.js';
import type { Subject } from '../subjects/types.js';

export interface MetricSpec {
  id: string;
  title: string;
  unit: string;
  better: 'higher' | 'lower';
  /** The statistic the table shows: the median, or the 99th percentile of pooled samples. */
  headline?: 'median' | 'p99';
}

/** One subject set up for one measurement; `sample()` is one round's worth of samples. */
export interface Session {
  sample(): Promise<Record<string, number[]>>;
  close(): Promise<void>;
  /**
   * Per-metric failures a session chose to record instead of failing the whole sample (a run the
   * runtime failed), with their messages; read once sampling is over.
   */
  failures?: Map<string, string[]>;
}

export interface MeasurementContext {
  scale: Scale;
  /** The measurement, for naming isolated data (subjects add their own prefix and a suffix). */
  label: string;
  /** Progress detail for long setups (seeding). */
  note(message: string): void;
}

export interface Measurement {
  id: string;
  /** A title may name the scale it ran at (e.g. how many runs were stored). */
  title: string | ((scale: Scale) => string);
  metrics: MetricSpec[];
  /**
   * Set up all subjects at once (long seeding, nothing timed and no process-wide state touched);
   * otherwise one after another.
   */
  parallelSetup?: boolean;
  /** Why this measurement does not apply to a subject, or undefined when it does. */
  notApplicable(subject: Subject): string | undefined;
  open(subject: Subject, context: MeasurementContext): Promise<Session>;
}

/** Thrown by `open` when a subject turns out not to support what is measured (e.g. no fence). */
export class NotApplicableError extends Error {
  override name = 'NotApplicableError';
}
