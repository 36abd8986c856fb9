import { describe, expect, it } from 'vitest';
import {
  type Condition,
  compileCondition,
  compileMessage,
  EVENT_RULES,
  holds,
  type RuleDialect,
  type RuleFact,
  type RuleFacts,
  renderMessage,
} from '../../src/index.js';

/**
 * A JavaScript dialect: what the compiler emits for it is run here and compared with the
 * evaluator, so the compiler means what `holds` and `renderMessage` mean for every fact a rule
 * can meet. The SQL and Lua dialects differ only in spelling.
 */
const js: RuleDialect = {
  literal: (text) => JSON.stringify(text),
  fact: (name: RuleFact) =>
    name === 'retryAfterSeconds'
      ? 'String(Math.max(1, Math.ceil((f.retryAfter - f.now) / 1000)))'
      : `f.${name}`,
  isAbsent: (expression) => `(${expression} === undefined)`,
  isPresent: (expression) => `(${expression} !== undefined)`,
  oneOf: (expression, values) => `${JSON.stringify(values)}.includes(${expression})`,
  greaterThan: (left, right) => `(${left} > ${right})`,
  and: (parts) => `(${parts.join(' && ')})`,
  not: (expression) => `!(${expression})`,
  concat: (parts) => parts.join(' + '),
  text: (expression) => `(${expression} ?? '')`,
};

const compiled = (source: string) =>
  new Function('f', `return ${source};`) as (f: RuleFacts) => unknown;

const STATUSES = [
  undefined,
  'pending',
  'running',
  'completed',
  'failed',
  'cancelled',
  'active',
  'disposed',
  'waiting',
];
const NOW = 1_700_000_000_000;

function* everyFacts(): Generator<RuleFacts> {
  for (const runStatus of STATUSES)
    for (const entityStatus of STATUSES)
      for (const retryAfter of [undefined, NOW - 1, NOW, NOW + 1, NOW + 2_500])
        yield {
          runId: 'wrun_1',
          correlationId: 'step_1',
          runStatus,
          entityStatus,
          retryAfter,
          now: NOW,
        };
}

const conditions: [string, Condition][] = Object.entries(EVENT_RULES).flatMap(([type, rule]) => [
  ...rule.refusals.map((refusal, index): [string, Condition] => [
    `${type} refusal ${index + 1}`,
    refusal.when,
  ]),
  ...('unchangedWhen' in rule
    ? [[`${type} unchanged`, rule.unchangedWhen] as [string, Condition]]
    : []),
]);

describe('the rule compiler', () => {
  it.each(conditions)('compiles the condition of %s to what holds() decides', (_, condition) => {
    const run = compiled(compileCondition(condition, js));
    for (const facts of everyFacts())
      expect(run(facts), JSON.stringify(facts)).toBe(holds(condition, facts));
  });

  it.each(
    Object.entries(EVENT_RULES).flatMap(([type, rule]) =>
      rule.refusals.map((refusal): [string, string] => [type, refusal.message]),
    ),
  )('compiles the %s message "%s" to what renderMessage() writes', (_, template) => {
    const run = compiled(compileMessage(template, js));
    for (const facts of everyFacts())
      if (facts.retryAfter !== undefined) expect(run(facts)).toBe(renderMessage(template, facts));
  });

  it('refuses a message field no World can fill', () => {
    expect(() => compileMessage('step {stepName} failed', js)).toThrow(/unknown message field/);
  });
});
