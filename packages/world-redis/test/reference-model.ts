import {
  type AnyEventRequest,
  type Applied,
  type CreateEventParams,
  type Event,
  type Hook,
  type RunState,
  type Step,
  type Transition,
  transition,
  validateCreateEvent,
  type Wait,
  waitIdOf,
} from '@worldkit/world';

/**
 * An in-memory store driven by the reference state machine: the oracle the Redis World is compared
 * with. It applies `EntityChanges` exactly as the contract describes them.
 */
export class ReferenceModel {
  runs = new Map<string, RunState>();
  steps = new Map<string, Step>();
  hooks = new Map<string, Hook>();
  hooksCreated = new Set<string>();
  tokens = new Map<string, { runId: string; hookId: string }>();
  waits = new Map<string, Wait>();
  logs = new Map<string, Event[]>();

  create(runId: string, data: AnyEventRequest, params: CreateEventParams = {}): Transition {
    const validated = validateCreateEvent(runId, data, params);
    const { event } = validated;
    const correlationId = 'correlationId' in event ? event.correlationId : undefined;
    const key = `${validated.runId}/${correlationId}`;
    const token = event.eventType === 'hook_created' ? event.eventData.token : undefined;
    const result = transition({
      runId: validated.runId,
      event,
      params: validated.params,
      now: Date.now(),
      run: this.runs.get(validated.runId),
      step: this.steps.get(key),
      hook: this.hooks.get(key),
      hookEverCreated: this.hooksCreated.has(key),
      tokenHolder: token === undefined ? undefined : this.tokens.get(token),
      wait:
        correlationId === undefined
          ? undefined
          : this.waits.get(waitIdOf(validated.runId, correlationId)),
    });
    if (result.kind === 'applied') this.apply(result);
    return result;
  }

  private apply(applied: Applied): void {
    const { changes, run } = applied;
    const runId = run.run.runId;
    this.runs.set(runId, run);
    this.logs.set(runId, [...(this.logs.get(runId) ?? []), ...applied.events]);
    if (changes.step) this.steps.set(`${runId}/${changes.step.stepId}`, changes.step);
    if (changes.wait) this.waits.set(changes.wait.waitId, changes.wait);
    if (changes.createdHook) {
      const hook = changes.createdHook;
      this.hooks.set(`${runId}/${hook.hookId}`, hook);
      this.hooksCreated.add(`${runId}/${hook.hookId}`);
      this.tokens.set(hook.token, { runId, hookId: hook.hookId });
    }
    if (changes.deletedHook) this.deleteHook(changes.deletedHook);
    if (changes.releaseRunResources) {
      for (const hook of [...this.hooks.values()]) if (hook.runId === runId) this.deleteHook(hook);
      for (const [id, wait] of [...this.waits]) if (wait.runId === runId) this.waits.delete(id);
    }
  }

  private deleteHook(hook: Hook): void {
    this.hooks.delete(`${hook.runId}/${hook.hookId}`);
    this.tokens.delete(hook.token);
  }
}

/** Values with the clock-dependent parts (ids, times) replaced, for comparing two Worlds. */
export function comparable(value: unknown): unknown {
  if (value instanceof Date) return 'date';
  if (value instanceof Uint8Array) return [...value];
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) {
      if (field === undefined || key === 'eventId') continue;
      out[key] = comparable(field);
    }
    return out;
  }
  return value;
}
