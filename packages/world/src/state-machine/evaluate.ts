/**
 * Evaluates the rules table (`rules.ts`) for one event: the reference state machine's way of
 * reading it. The PostgreSQL and Redis Worlds run code generated from the same table instead.
 */
import type { Refusal } from '../refusal.js';
import { type Condition, EVENT_RULES, type EventRule, type RequestedEventType } from './rules.js';

/** The state the rules look at, loaded by the World inside the run's critical section. */
export interface RuleFacts {
  runId: string;
  correlationId: string;
  /** The run's status; absent when the run does not exist (only `run_created` meets that). */
  runStatus: string | undefined;
  /** The touched entity's status (see `Condition`); absent when it does not exist. */
  entityStatus: string | undefined;
  /** A step's `retryAfter` (epoch ms), if set. */
  retryAfter?: number | undefined;
  /** Wall-clock epoch ms. */
  now: number;
}

export function ruleOf(eventType: RequestedEventType): EventRule {
  return EVENT_RULES[eventType];
}

/** The first refusal of the event's rules that holds, or undefined when the event may apply. */
export function refusalOf(eventType: RequestedEventType, facts: RuleFacts): Refusal | undefined {
  for (const refusal of ruleOf(eventType).refusals) {
    if (holds(refusal.when, facts)) {
      const seconds = retryAfterSeconds(facts);
      return {
        code: refusal.code,
        message: renderMessage(refusal.message, facts),
        ...(refusal.code === 'TOO_EARLY' ? { detail: String(seconds) } : {}),
      };
    }
  }
  return undefined;
}

/** Whether a valid event is an idempotent no-op that appends nothing. */
export function isUnchanged(eventType: RequestedEventType, facts: RuleFacts): boolean {
  const condition = ruleOf(eventType).unchangedWhen;
  return condition !== undefined && holds(condition, facts);
}

export function holds(condition: Condition, facts: RuleFacts): boolean {
  if ('all' in condition) return condition.all.every((each) => holds(each, facts));
  if ('not' in condition) return !holds(condition.not, facts);
  if ('retryPending' in condition)
    return facts.retryAfter !== undefined && facts.retryAfter > facts.now;
  if ('run' in condition)
    return facts.runStatus !== undefined && condition.statuses.includes(facts.runStatus);
  switch (condition.entity) {
    case 'missing':
      return facts.entityStatus === undefined;
    case 'present':
      return facts.entityStatus !== undefined;
    case 'in':
      return facts.entityStatus !== undefined && condition.statuses.includes(facts.entityStatus);
  }
}

/** Seconds until a step may start again, never less than 1 (a `Retry-After` value). */
function retryAfterSeconds(facts: RuleFacts): number {
  return Math.max(1, Math.ceil(((facts.retryAfter ?? facts.now) - facts.now) / 1000));
}

/** The placeholders a message template may use, and where each one's value comes from. */
export const MESSAGE_FIELDS = [
  'runId',
  'correlationId',
  'runStatus',
  'entityStatus',
  'retryAfterSeconds',
] as const;

export function renderMessage(template: string, facts: RuleFacts): string {
  return template.replace(/\{(\w+)\}/g, (_, field: string) => {
    switch (field) {
      case 'runId':
        return facts.runId;
      case 'correlationId':
        return facts.correlationId;
      case 'runStatus':
        return facts.runStatus ?? '';
      case 'entityStatus':
        return facts.entityStatus ?? '';
      case 'retryAfterSeconds':
        return String(retryAfterSeconds(facts));
      default:
        throw new Error(`unknown message field {${field}}`);
    }
  });
}
