import { describe, expect, it } from 'vitest';
import { evaluateGoals } from '../src/goals.js';
import type { MeasurementResult } from '../src/runner.js';

const rate = (headline: number, byRound: number[] = [headline]) => ({
  status: 'ok' as const,
  errors: [],
  metrics: { rate: { samples: byRound, byRound, headline } },
});

const appendOne: MeasurementResult = {
  id: 'append-1',
  title: 'events.create, 1 writer',
  metrics: [{ id: 'rate', title: 'rate', unit: 'events/s', better: 'higher' }],
  wallMs: 1,
  subjects: {
    'worldkit-postgres': rate(1000, [900, 1000, 1100, 1200]),
    'upstream-postgres': rate(500, [600, 500, 500, 400]),
    pgbench: rate(1500),
    'pgbench-append-event': rate(600),
  },
};

describe('goals', () => {
  it('computes each ratio from the same run and says whether it is met', () => {
    const goals = evaluateGoals([appendOne]);
    const upstream = goals.find((goal) => goal.id === 'postgres-append-1')!;
    expect(upstream).toMatchObject({ measured: 2, target: 2.5, status: 'not met' });
    // Round by round: 1.5, 2, 2.2, 3.
    expect(upstream.perRound?.rounds).toBe(4);
    expect(upstream.perRound?.p25).toBeCloseTo(1.875);
    expect(upstream.perRound?.p75).toBeCloseTo(2.4);
    const pgbench = goals.find((goal) => goal.id === 'postgres-pgbench-1')!;
    expect(pgbench.measured).toBeCloseTo(2 / 3);
    expect(pgbench.status).toBe('met');
    const server = goals.find((goal) => goal.id === 'postgres-append-event-1')!;
    expect(server).toMatchObject({ measured: 0.4, target: 0.5, status: 'not met' });
  });

  it('reports a goal whose subjects have no result as missing, naming them', () => {
    const goal = evaluateGoals([appendOne]).find((g) => g.id === 'redis-benchmark-1')!;
    expect(goal.status).toBe('missing');
    expect(goal.detail).toContain('worldkit-redis');
  });
});
