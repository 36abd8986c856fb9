import type { Event, Hook, Step, WorkflowRun } from '@worldkit/world';

/** What a World reports for one run, next to its log. */
export interface RunView {
  log: Event[];
  run: WorkflowRun | undefined;
  steps: Step[];
  hooks: Hook[];
}

const CREATION = new Set(['step_created', 'hook_created', 'wait_created']);

function resumeAtOf(event: Event): number | undefined {
  const value = (event as { eventData?: { resumeAt?: unknown } }).eventData?.resumeAt;
  return value instanceof Date ? value.getTime() : undefined;
}

/**
 * Re-derives a run's state from its log and lists every broken invariant: unique and strictly
 * increasing ids, run_created first, nothing but running-step events after a terminal run event,
 * no step restart after its terminal event, one creation per correlation id, no hook event after
 * dispose, a wait completed at most once with its resumeAt unchanged, and entities equal to what
 * the log implies.
 */
export function checkRunInvariants(view: RunView): string[] {
  const problems: string[] = [];
  const { log } = view;
  if (log.length === 0)
    return view.run === undefined ? [] : ['the run exists but its log is empty'];
  const at = (i: number) => `event ${i} (${log[i]!.eventType} ${log[i]!.correlationId ?? ''})`;

  if (log[0]!.eventType !== 'run_created')
    problems.push(`run.created-first: the log starts with ${log[0]!.eventType}`);
  const ids = new Set<string>();
  let runStatus: WorkflowRun['status'] = 'pending';
  let startedSeen = false;
  const created = new Set<string>();
  const steps = new Map<
    string,
    { status: Step['status']; attempt: number; startedBeforeTerminalRun: boolean }
  >();
  const hooks = new Map<string, { token: string; active: boolean }>();
  const waits = new Map<string, { completed: boolean; resumeAt: number | undefined }>();

  for (const [i, event] of log.entries()) {
    if (ids.has(event.eventId))
      problems.push(`log.unique-event-id: ${at(i)} repeats ${event.eventId}`);
    ids.add(event.eventId);
    if (i > 0 && !(event.eventId > log[i - 1]!.eventId)) {
      problems.push(
        `log.monotonic-order: ${at(i)} id ${event.eventId} is not after ${log[i - 1]!.eventId}`,
      );
    }
    if (i > 0 && event.createdAt.getTime() < log[i - 1]!.createdAt.getTime()) {
      problems.push(`log.monotonic-time: ${at(i)} was created before the event preceding it`);
    }
    const terminal =
      runStatus === 'completed' || runStatus === 'failed' || runStatus === 'cancelled';
    const key = `${event.eventType}:${event.correlationId}`;
    if (CREATION.has(event.eventType)) {
      if (created.has(key))
        problems.push(`creation.unique: ${at(i)} is a second ${event.eventType}`);
      created.add(key);
      if (terminal) problems.push(`run.terminal-is-last: ${at(i)} creates after the run ended`);
    }
    const correlationId = event.correlationId ?? '';
    switch (event.eventType) {
      case 'run_created':
        if (i > 0) problems.push(`run.created-once: ${at(i)}`);
        break;
      case 'run_started':
        if (terminal) problems.push(`run.terminal-is-last: ${at(i)} after the run ended`);
        if (startedSeen) problems.push(`run.started-once: ${at(i)} is a second run_started`);
        startedSeen = true;
        runStatus = 'running';
        break;
      case 'run_completed':
      case 'run_failed':
      case 'run_cancelled':
        if (terminal) problems.push(`run.terminal-is-last: ${at(i)} after the run ended`);
        runStatus =
          event.eventType === 'run_completed'
            ? 'completed'
            : event.eventType === 'run_failed'
              ? 'failed'
              : 'cancelled';
        for (const hook of hooks.values()) hook.active = false;
        for (const wait of waits.values()) wait.completed = true;
        break;
      case 'step_created':
        steps.set(correlationId, {
          status: 'pending',
          attempt: 0,
          startedBeforeTerminalRun: false,
        });
        break;
      case 'step_started':
      case 'step_completed':
      case 'step_failed':
      case 'step_retrying': {
        const step = steps.get(correlationId);
        if (step === undefined) {
          problems.push(`step.exists: ${at(i)} for a step never created`);
          break;
        }
        if (step.status === 'completed' || step.status === 'failed') {
          problems.push(
            `step.no-restart-after-terminal: ${at(i)} after the step was ${step.status}`,
          );
        }
        if (
          terminal &&
          step.status !== 'running' &&
          event.eventType !== 'step_completed' &&
          event.eventType !== 'step_retrying'
        ) {
          problems.push(
            `run.terminal-is-last: ${at(i)} for a step that was not running when the run ended`,
          );
        }
        if (event.eventType === 'step_started') {
          step.status = 'running';
          step.attempt += 1;
        } else if (event.eventType === 'step_retrying') step.status = 'pending';
        else step.status = event.eventType === 'step_completed' ? 'completed' : 'failed';
        break;
      }
      case 'hook_created':
        hooks.set(correlationId, {
          token: String((event as { eventData?: { token?: unknown } }).eventData?.token),
          active: true,
        });
        break;
      case 'hook_received':
      case 'hook_disposed': {
        const hook = hooks.get(correlationId);
        if (!hook?.active)
          problems.push(`hook.no-receive-after-dispose: ${at(i)} for a hook that is not active`);
        if (hook && event.eventType === 'hook_disposed') hook.active = false;
        break;
      }
      case 'hook_conflict':
        break;
      case 'wait_created':
        waits.set(correlationId, { completed: false, resumeAt: resumeAtOf(event) });
        break;
      case 'wait_completed': {
        const wait = waits.get(correlationId);
        if (wait === undefined) problems.push(`wait.exists: ${at(i)} for a wait never created`);
        else if (wait.completed) problems.push(`wait.completed-once: ${at(i)} completes it again`);
        else {
          wait.completed = true;
          const resumeAt = resumeAtOf(event);
          if (resumeAt !== undefined && resumeAt !== wait.resumeAt) {
            problems.push(
              `wait.resume-at-stable: ${at(i)} resumeAt ${resumeAt} ≠ ${wait.resumeAt}`,
            );
          }
        }
        break;
      }
    }
  }

  // Entities must be what the log implies.
  if (view.run === undefined)
    problems.push('run.entity-matches-log: the log exists but runs.get finds no run');
  else {
    if (view.run.status !== runStatus) {
      problems.push(`run.entity-matches-log: status ${view.run.status}, the log says ${runStatus}`);
    }
    if (startedSeen !== (view.run.startedAt !== undefined)) {
      problems.push('run.entity-matches-log: startedAt does not match the run_started event');
    }
  }
  const stepEntities = new Map(view.steps.map((step) => [step.stepId, step]));
  for (const [stepId, derived] of steps) {
    const entity = stepEntities.get(stepId);
    if (entity === undefined)
      problems.push(`step.entity-matches-log: step ${stepId} is in the log but not listed`);
    else if (entity.status !== derived.status || entity.attempt !== derived.attempt) {
      problems.push(
        `step.entity-matches-log: step ${stepId} is ${entity.status}/attempt ${entity.attempt}, the log says ${derived.status}/attempt ${derived.attempt}`,
      );
    }
  }
  if (stepEntities.size !== steps.size)
    problems.push(
      `step.entity-matches-log: ${stepEntities.size} steps listed, ${steps.size} in the log`,
    );
  const activeHooks = [...hooks]
    .filter(([, hook]) => hook.active)
    .map(([hookId]) => hookId)
    .sort();
  const listedHooks = view.hooks.map((hook) => hook.hookId).sort();
  if (JSON.stringify(activeHooks) !== JSON.stringify(listedHooks)) {
    problems.push(
      `hook.entity-matches-log: listed hooks [${listedHooks}] but the log leaves [${activeHooks}] active`,
    );
  }
  return problems;
}

/** Across runs: every token has at most one active hook. */
export function checkTokenInvariants(views: RunView[]): string[] {
  const owners = new Map<string, string[]>();
  for (const view of views) {
    for (const hook of view.hooks) {
      owners.set(hook.token, [...(owners.get(hook.token) ?? []), `${hook.runId}/${hook.hookId}`]);
    }
  }
  return [...owners]
    .filter(([, holders]) => holders.length > 1)
    .map(
      ([token, holders]) => `hook.token-unique: token ${token} is held by ${holders.join(', ')}`,
    );
}
