/**
 * The goals Worldkit's speed claims are held to, each computed from one run's medians so machine
 * speed cancels out: a ratio between two subjects measured side by side, or (for latency budgets)
 * a median against a fixed bound.
 */
import type { MeasurementResult, MetricResult } from './runner.js';
import { summarize } from './stats.js';

export interface GoalResult {
  id: string;
  goal: string;
  /** The measured ratio (×) or value (ms); undefined when a side is missing. */
  measured?: number;
  unit: '×' | 'ms';
  op: '≥' | '≤' | '<';
  target: number;
  status: 'met' | 'not met' | 'missing';
  detail: string;
  /** For ratios: the 25th–75th percentile of the ratios taken round by round. */
  perRound?: { p25: number; p75: number; rounds: number };
}

type Lookup = (measurement: string, metric: string, subject: string) => number | undefined;

interface Goal {
  id: string;
  goal: string;
  unit: '×' | 'ms';
  op: '≥' | '≤' | '<';
  target: number;
  /** [measurement, metric, subject] of the numerator, and of the denominator for ratios. */
  of: [string, string, string];
  over?: [string, string, string];
}

const ratio = (
  id: string,
  goal: string,
  op: '≥' | '≤',
  target: number,
  of: [string, string, string],
  over: [string, string, string],
): Goal => ({ id, goal, unit: '×', op, target, of, over });

export const GOALS: Goal[] = [
  ratio(
    'postgres-append-1',
    'Postgres events.create, 1 writer, vs upstream Postgres',
    '≥',
    2.5,
    ['append-1', 'rate', 'worldkit-postgres'],
    ['append-1', 'rate', 'upstream-postgres'],
  ),
  ratio(
    'postgres-append-16',
    'Postgres events.create, 16 writers, vs upstream Postgres',
    '≥',
    2,
    ['append-16', 'rate', 'worldkit-postgres'],
    ['append-16', 'rate', 'upstream-postgres'],
  ),
  ratio(
    'postgres-pgbench-1',
    'Postgres events.create, 1 writer, vs pgbench 1 client',
    '≥',
    0.5,
    ['append-1', 'rate', 'worldkit-postgres'],
    ['append-1', 'rate', 'pgbench'],
  ),
  ratio(
    'postgres-pgbench-16',
    'Postgres events.create, 16 writers, vs pgbench 16 clients',
    '≥',
    0.5,
    ['append-16', 'rate', 'worldkit-postgres'],
    ['append-16', 'rate', 'pgbench'],
  ),
  // The server's share: the World's append_event() called by pgbench (no Node process) against
  // pgbench's one INSERT, i.e. what the rules, fences and entity writes cost on the server.
  ratio(
    'postgres-append-event-1',
    'Postgres append_event through pgbench, 1 client, vs one INSERT',
    '≥',
    0.5,
    ['append-1', 'rate', 'pgbench-append-event'],
    ['append-1', 'rate', 'pgbench'],
  ),
  ratio(
    'postgres-append-event-16',
    'Postgres append_event through pgbench, 16 clients, vs one INSERT',
    '≥',
    0.5,
    ['append-16', 'rate', 'pgbench-append-event'],
    ['append-16', 'rate', 'pgbench'],
  ),
  ratio(
    'redis-benchmark-1',
    'Redis events.create, 1 writer, vs redis-benchmark 1 client',
    '≥',
    0.5,
    ['append-1', 'rate', 'worldkit-redis'],
    ['append-1', 'rate', 'redis-benchmark'],
  ),
  ratio(
    'redis-benchmark-16',
    'Redis events.create, 16 writers, vs redis-benchmark 16 clients',
    '≥',
    0.5,
    ['append-16', 'rate', 'worldkit-redis'],
    ['append-16', 'rate', 'redis-benchmark'],
  ),
  ratio(
    'local-append-1',
    'local events.create, 1 writer, vs upstream local',
    '≥',
    3,
    ['append-1', 'rate', 'worldkit-local'],
    ['append-1', 'rate', 'upstream-local'],
  ),
  ratio(
    'local-append-16',
    'local events.create, 16 writers, vs upstream local',
    '≥',
    3,
    ['append-16', 'rate', 'worldkit-local'],
    ['append-16', 'rate', 'upstream-local'],
  ),
  // The 5.x line: each Worldkit World's `v5` entry at spec 7 against the upstream 5.x World of the
  // same kind (there is no upstream 5.x Redis World).
  ratio(
    'local-5x-append-1',
    'local 5.x events.create, 1 writer, vs upstream local 5.x',
    '≥',
    2,
    ['append-1', 'rate', 'worldkit-local-5x'],
    ['append-1', 'rate', 'upstream-local-5x'],
  ),
  ratio(
    'local-5x-append-16',
    'local 5.x events.create, 16 writers, vs upstream local 5.x',
    '≥',
    2,
    ['append-16', 'rate', 'worldkit-local-5x'],
    ['append-16', 'rate', 'upstream-local-5x'],
  ),
  ratio(
    'postgres-5x-append-1',
    'Postgres 5.x events.create, 1 writer, vs upstream Postgres 5.x',
    '≥',
    2,
    ['append-1', 'rate', 'worldkit-postgres-5x'],
    ['append-1', 'rate', 'upstream-postgres-5x'],
  ),
  ratio(
    'postgres-5x-append-16',
    'Postgres 5.x events.create, 16 writers, vs upstream Postgres 5.x',
    '≥',
    2,
    ['append-16', 'rate', 'worldkit-postgres-5x'],
    ['append-16', 'rate', 'upstream-postgres-5x'],
  ),
  // "Flat" = within 1.5× of the empty World: sub-millisecond timings on a shared 2-core machine
  // wobble by tens of percent, while a scan over 10,000 runs costs orders of magnitude.
  ratio(
    'local-hook-create-flat',
    'local hook creation, 10,000 runs stored vs none',
    '≤',
    1.5,
    ['hooks-stored', 'create', 'worldkit-local'],
    ['hooks-0', 'create', 'worldkit-local'],
  ),
  ratio(
    'local-hook-lookup-flat',
    'local getByToken, 10,000 runs stored vs none',
    '≤',
    1.5,
    ['hooks-stored', 'getByToken', 'worldkit-local'],
    ['hooks-0', 'getByToken', 'worldkit-local'],
  ),
  ratio(
    'local-sequential-10',
    'local, 10 sequential steps (real runtime), vs upstream local',
    '≤',
    0.6,
    ['runtime', 'sequential-10', 'worldkit-local'],
    ['runtime', 'sequential-10', 'upstream-local'],
  ),
  ratio(
    'postgres-sequential-10',
    'Postgres, 10 sequential steps (real runtime), vs upstream Postgres',
    '≤',
    0.6,
    ['runtime', 'sequential-10', 'worldkit-postgres'],
    ['runtime', 'sequential-10', 'upstream-postgres'],
  ),
  ratio(
    'redis-sequential-10',
    'Redis, 10 sequential steps (real runtime), vs upstream Postgres',
    '≤',
    0.6,
    ['runtime', 'sequential-10', 'worldkit-redis'],
    ['runtime', 'sequential-10', 'upstream-postgres'],
  ),
  // A fan-out as the 5.x runtime writes it on each World: one createBatch on Worldkit's, single
  // writes at once on upstream's, which has no createBatch.
  ratio(
    'local-5x-fan-out',
    'local 5.x, a fan-out of 10 steps written, vs upstream local 5.x',
    '≤',
    0.5,
    ['fan-out-10-batch', 'written', 'worldkit-local-5x'],
    ['fan-out-10', 'written', 'upstream-local-5x'],
  ),
  ratio(
    'postgres-5x-fan-out',
    'Postgres 5.x, a fan-out of 10 steps written, vs upstream Postgres 5.x',
    '≤',
    0.5,
    ['fan-out-10-batch', 'written', 'worldkit-postgres-5x'],
    ['fan-out-10', 'written', 'upstream-postgres-5x'],
  ),
  // The 5.x runtime loads no upstream Postgres World (the installable one declares spec 5), so
  // the local World is the line's only same-kind pair.
  ratio(
    'local-5x-sequential-10',
    'local 5.x, 10 sequential steps (real 5.x runtime), vs upstream local 5.x',
    '≤',
    0.6,
    ['runtime', 'sequential-10', 'worldkit-local-5x'],
    ['runtime', 'sequential-10', 'upstream-local-5x'],
  ),
  {
    id: 'postgres-queue-latency',
    goal: 'Postgres enqueue→handler median',
    unit: 'ms',
    op: '<',
    target: 5,
    of: ['queue', 'latency', 'worldkit-postgres'],
  },
  {
    id: 'redis-queue-latency',
    goal: 'Redis enqueue→handler median',
    unit: 'ms',
    op: '<',
    target: 5,
    of: ['queue', 'latency', 'worldkit-redis'],
  },
];

const metricIn = (
  results: MeasurementResult[],
  [measurement, metric, subject]: [string, string, string],
): MetricResult | undefined =>
  results.find((result) => result.id === measurement)?.subjects[subject]?.metrics[metric];

function lookupIn(results: MeasurementResult[]): Lookup {
  return (measurement, metric, subject) =>
    metricIn(results, [measurement, metric, subject])?.headline;
}

/** Ratios of two metrics round by round (rounds where both have a value), summarized. */
export function perRoundRatios(numerator?: MetricResult, denominator?: MetricResult) {
  if (!numerator || !denominator) return undefined;
  const ratios = numerator.byRound.flatMap((value, round) => {
    const other = denominator.byRound[round];
    return value !== null && other !== null && other !== undefined && other !== 0
      ? [value / other]
      : [];
  });
  const summary = summarize(ratios);
  return summary && summary.n > 1
    ? { p25: summary.p25, p75: summary.p75, rounds: summary.n }
    : undefined;
}

const compare = {
  '≥': (a: number, b: number) => a >= b,
  '≤': (a: number, b: number) => a <= b,
  '<': (a: number, b: number) => a < b,
};

export function evaluateGoals(results: MeasurementResult[]): GoalResult[] {
  const lookup = lookupIn(results);
  return GOALS.map((goal) => {
    const numerator = lookup(...goal.of);
    const denominator = goal.over ? lookup(...goal.over) : 1;
    const base = {
      id: goal.id,
      goal: goal.goal,
      unit: goal.unit,
      op: goal.op,
      target: goal.target,
    };
    const missing = [
      ...(numerator === undefined ? [goal.of] : []),
      ...(goal.over && denominator === undefined ? [goal.over] : []),
    ];
    if (missing.length > 0 || numerator === undefined || denominator === undefined) {
      return {
        ...base,
        status: 'missing' as const,
        detail: `no result for ${missing.map(([m, metric, s]) => `${s} ${m}/${metric}`).join(', ')}`,
      };
    }
    const measured = numerator / denominator;
    const perRound = goal.over
      ? perRoundRatios(metricIn(results, goal.of), metricIn(results, goal.over))
      : undefined;
    return {
      ...base,
      ...(perRound ? { perRound } : {}),
      measured,
      status: compare[goal.op](measured, goal.target) ? ('met' as const) : ('not met' as const),
      detail: goal.over
        ? `${goal.of[2]} ${numerator.toPrecision(4)} / ${goal.over[2]} ${denominator.toPrecision(4)}`
        : `${goal.of[2]} median ${numerator.toPrecision(3)} ms`,
    };
  });
}
