import type { Event, Hook, Step, WorkflowRun } from '@worldkit/world';
import { describe, expect, test } from 'vitest';
import { checkRunInvariants, checkTokenInvariants, type RunView } from '../src/index.js';

// The invariant checker must name each broken invariant on a hand-made log.
let clock = 1_700_000_000_000;
function event(eventType: string, correlationId?: string, eventData?: object): Event {
  clock += 1;
  const id = `evnt_${String(clock).padStart(26, '0')}`;
  return {
    runId: 'wrun_x',
    eventId: id,
    eventType,
    createdAt: new Date(clock),
    ...(correlationId ? { correlationId } : {}),
    ...(eventData ? { eventData } : {}),
  } as Event;
}
const run = (status: WorkflowRun['status'], started = true) =>
  ({ runId: 'wrun_x', status, ...(started ? { startedAt: new Date() } : {}) }) as WorkflowRun;
const step = (stepId: string, status: Step['status'], attempt: number) =>
  ({ stepId, status, attempt }) as Step;
const hook = (hookId: string, token: string, runId = 'wrun_x') =>
  ({ hookId, token, runId }) as Hook;

function view(log: Event[], overrides: Partial<RunView> = {}): RunView {
  return { log, run: run('running'), steps: [], hooks: [], ...overrides };
}

describe('checkRunInvariants', () => {
  test('a healthy log has no problems', () => {
    const log = [
      event('run_created'),
      event('run_started'),
      event('step_created', 's1'),
      event('step_started', 's1'),
      event('step_completed', 's1'),
      event('hook_created', 'h1', { token: 't' }),
    ];
    expect(
      checkRunInvariants(
        view(log, { steps: [step('s1', 'completed', 1)], hooks: [hook('h1', 't')] }),
      ),
    ).toEqual([]);
  });

  test.each([
    ['run.created-first', () => view([event('run_started'), event('run_created')])],
    [
      'log.unique-event-id',
      () => {
        const e = event('run_created');
        return view([e, e], { run: run('pending', false) });
      },
    ],
    [
      'log.monotonic-order',
      () => {
        const a = event('run_created');
        const b = event('run_started');
        return view([a, { ...b, eventId: 'evnt_0' }]);
      },
    ],
    [
      'run.terminal-is-last',
      () =>
        view(
          [
            event('run_created'),
            event('run_started'),
            event('run_completed'),
            event('step_created', 's1'),
          ],
          { run: run('completed'), steps: [step('s1', 'pending', 0)] },
        ),
    ],
    [
      'creation.unique',
      () =>
        view(
          [
            event('run_created'),
            event('run_started'),
            event('step_created', 's1'),
            event('step_created', 's1'),
          ],
          { steps: [step('s1', 'pending', 0)] },
        ),
    ],
    [
      'step.no-restart-after-terminal',
      () =>
        view(
          [
            event('run_created'),
            event('run_started'),
            event('step_created', 's1'),
            event('step_started', 's1'),
            event('step_failed', 's1'),
            event('step_started', 's1'),
          ],
          { steps: [step('s1', 'running', 2)] },
        ),
    ],
    [
      'step.entity-matches-log',
      () =>
        view(
          [
            event('run_created'),
            event('run_started'),
            event('step_created', 's1'),
            event('step_started', 's1'),
          ],
          { steps: [step('s1', 'pending', 0)] },
        ),
    ],
    [
      'run.entity-matches-log',
      () => view([event('run_created'), event('run_started'), event('run_cancelled')]),
    ],
    [
      'hook.no-receive-after-dispose',
      () =>
        view([
          event('run_created'),
          event('run_started'),
          event('hook_created', 'h1', { token: 't' }),
          event('hook_disposed', 'h1'),
          event('hook_received', 'h1'),
        ]),
    ],
    [
      'hook.entity-matches-log',
      () =>
        view([
          event('run_created'),
          event('run_started'),
          event('hook_created', 'h1', { token: 't' }),
        ]),
    ],
    [
      'wait.completed-once',
      () =>
        view([
          event('run_created'),
          event('run_started'),
          event('wait_created', 'w1', { resumeAt: new Date(5) }),
          event('wait_completed', 'w1'),
          event('wait_completed', 'w1'),
        ]),
    ],
    [
      'wait.resume-at-stable',
      () =>
        view([
          event('run_created'),
          event('run_started'),
          event('wait_created', 'w1', { resumeAt: new Date(5) }),
          event('wait_completed', 'w1', { resumeAt: new Date(6) }),
        ]),
    ],
  ])('names %s', (invariant, make) => {
    const problems = checkRunInvariants(make());
    expect(
      problems.some((problem) => problem.startsWith(invariant)),
      problems.join('\n'),
    ).toBe(true);
  });
});

describe('checkTokenInvariants', () => {
  test('two active hooks holding one token are reported', () => {
    const views = [
      view([], { hooks: [hook('h1', 'tok', 'wrun_a')] }),
      view([], { hooks: [hook('h2', 'tok', 'wrun_b')] }),
    ];
    expect(checkTokenInvariants(views)).toEqual([
      'hook.token-unique: token tok is held by wrun_a/h1, wrun_b/h2',
    ]);
  });
});
