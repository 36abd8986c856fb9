/**
 * Renders `lua/includes/rules.lua` from the rules table of `@worldkit/world`: the rule branches
 * `createEvent.lua` runs. `generate.ts` writes it; `test/generated-rules.test.ts` fails when the
 * checked-in file differs from what this renders.
 */
import {
  compileCondition,
  compileMessage,
  EVENT_RULES,
  type EventRule,
  RUN_SPEC_VERSION_MAX,
  type RuleDialect,
  type RuleFact,
  SPEC_VERSION_SLOT_IDS,
  snakeCaseFact,
} from '@worldkit/world';

export const RULES_LUA_PATH = 'lua/includes/rules.lua';

/** Seconds until a step may start again, never less than 1. */
const RETRY_AFTER_SECONDS = 'tostring(math.max(1, math.ceil((retry_after - now) / 1000)))';

/** Each fact is `rule_refusal`'s argument of that name (`run_status`). */
const factOf = (name: RuleFact) =>
  name === 'retryAfterSeconds' ? RETRY_AFTER_SECONDS : snakeCaseFact(name);

const lua: RuleDialect = {
  literal: (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  fact: factOf,
  isAbsent: (expression) => `${expression} == nil`,
  isPresent: (expression) => `${expression} ~= nil`,
  oneOf: (expression, values) =>
    values.length === 1
      ? `${expression} == ${lua.literal(values[0]!)}`
      : `(${values.map((value) => `${expression} == ${lua.literal(value)}`).join(' or ')})`,
  greaterThan: (left, right) => `${left} > ${right}`,
  and: (parts) => `(${parts.join(' and ')})`,
  not: (expression) => `not (${expression})`,
  concat: (parts) => parts.join(' .. '),
  text: (expression) => `(${expression} or '')`,
};

const entries = Object.entries(EVENT_RULES) as [string, EventRule][];

/** One `if … elseif … end` over the event types that have something to say. */
function chain(branches: [string, string[]][], indent: string, otherwise: string[] = []): string[] {
  const lines: string[] = [];
  branches.forEach(([eventType, body], index) => {
    lines.push(
      `${indent}${index === 0 ? 'if' : 'elseif'} event_type == ${lua.literal(eventType)} then`,
    );
    lines.push(...body.map((line) => `${indent}  ${line}`));
  });
  if (otherwise.length > 0) {
    lines.push(`${indent}else`, ...otherwise.map((line) => `${indent}  ${line}`));
  }
  lines.push(`${indent}end`);
  return lines;
}

function refusalFunction(): string[] {
  const branches = entries.map(([eventType, rule]): [string, string[]] => [
    eventType,
    rule.refusals.flatMap((refusal) => [
      `if ${compileCondition(refusal.when, lua)} then`,
      `  return ${lua.literal(refusal.code)}, ${compileMessage(refusal.message, lua)}, ${
        refusal.code === 'TOO_EARLY' ? RETRY_AFTER_SECONDS : "''"
      }`,
      'end',
    ]),
  ]);
  return [
    "-- The first refusal of the event's rules that holds: code, message, detail (TOO_EARLY: the",
    '-- seconds to wait). nil when the event may apply.',
    'local function rule_refusal(event_type, run_id, correlation_id, run_status, entity_status,',
    '                            retry_after, now)',
    ...chain(branches, '  '),
    '  return nil',
    'end',
  ];
}

function unchangedFunction(): string[] {
  const cases = entries
    .filter(([, rule]) => rule.unchangedWhen !== undefined)
    .map(
      ([eventType, rule]) =>
        `(event_type == ${lua.literal(eventType)} and ${compileCondition(rule.unchangedWhen!, lua)})`,
    );
  return [
    '-- Whether a valid event is an idempotent no-op that appends nothing.',
    'local function rule_unchanged(event_type, run_status, entity_status)',
    `  return ${cases.join('\n    or ')}`,
    'end',
  ];
}

function becomesFunction(): string[] {
  const branches = entries
    .filter(([, rule]) => rule.becomes !== undefined)
    .map(([eventType, rule]): [string, string[]] => [
      eventType,
      [`return ${lua.literal(rule.becomes!)}`],
    ]);
  return [
    '-- The status the event leaves its entity in (nil: it changes no status).',
    'local function rule_becomes(event_type)',
    ...chain(branches, '  '),
    '  return nil',
    'end',
  ];
}

function flagFunction(name: string, comment: string, flag: 'external' | 'endsRun'): string[] {
  const types = entries.filter(([, rule]) => rule[flag] === true).map(([type]) => type);
  return [
    `-- ${comment}`,
    `local function ${name}(event_type)`,
    `  return ${types.map((type) => `event_type == ${lua.literal(type)}`).join(' or ')}`,
    'end',
  ];
}

export function renderRulesLua(): string {
  const sections = [
    [
      '-- The newest spec version of a run the store holds and appends to (RUN_SPEC_VERSION_MAX).',
      `local RULE_RUN_SPEC_VERSION_MAX = ${RUN_SPEC_VERSION_MAX}`,
      '-- Runs of this spec version or later number their events by slot (SPEC_VERSION_SLOT_IDS).',
      `local RULE_SPEC_VERSION_SLOT_IDS = ${SPEC_VERSION_SLOT_IDS}`,
    ],
    refusalFunction(),
    unchangedFunction(),
    becomesFunction(),
    flagFunction(
      'rule_external',
      "Written without stateUpdatedAt, these events move the run's stateUpdatedAt marker.",
      'external',
    ),
    flagFunction(
      'rule_ends_run',
      'The run ends: its hooks are deleted (tokens released) and its waits dropped.',
      'endsRun',
    ),
  ];
  return [
    '-- GENERATED from the rules table of @worldkit/world (packages/world/src/state-machine/rules.ts)',
    '-- by packages/world-redis/codegen/rules-lua.ts. Do not edit: change the table, then run',
    '-- `pnpm --filter @worldkit/world-redis generate`; test/generated-rules.test.ts fails while',
    '-- this file is stale.',
    '',
    sections.map((section) => section.join('\n')).join('\n\n'),
    '',
  ].join('\n');
}
