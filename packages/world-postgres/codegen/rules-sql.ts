/**
 * Renders `sql/repeatable/event_rules.sql` from the rules table of `@worldkit/world`: the rule
 * functions `append_event()` calls. `generate.ts` writes it; `test/generated-rules.test.ts` fails
 * when the checked-in file differs from what this renders. The file is a repeatable migration:
 * `migrate()` applies it again whenever its contents change.
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

export const RULES_SQL_PATH = 'sql/repeatable/event_rules.sql';

/** Seconds until a step may start again, never less than 1. */
const RETRY_AFTER_SECONDS = 'greatest(1, ceil((p_retry_after - p_now) / 1000.0))::integer::text';

/** Each fact is the rule functions' parameter of that name (`p_run_status`). */
const factOf = (name: RuleFact) =>
  name === 'retryAfterSeconds' ? RETRY_AFTER_SECONDS : `p_${snakeCaseFact(name)}`;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

// Every condition is two-valued (never NULL), as the rules table means it: a guard of an UPDATE
// that came out NULL would silently match nothing.
const sql: RuleDialect = {
  literal,
  fact: factOf,
  isAbsent: (expression) => `${expression} IS NULL`,
  isPresent: (expression) => `${expression} IS NOT NULL`,
  oneOf: (expression, values) =>
    `coalesce(${expression} IN (${values.map(literal).join(', ')}), false)`,
  greaterThan: (left, right) => `${left} > ${right}`,
  and: (parts) => `(${parts.join(' AND ')})`,
  not: (expression) => `NOT ${expression}`,
  concat: (parts) => parts.join(' || '),
  text: (expression) => `coalesce(${expression}, '')`,
};

const entries = Object.entries(EVENT_RULES) as [string, EventRule][];

const HEADER = [
  '-- GENERATED from the rules table of @worldkit/world (packages/world/src/state-machine/rules.ts)',
  '-- by packages/world-postgres/codegen/rules-sql.ts. Do not edit: change the table, then run',
  '-- `pnpm --filter @worldkit/world-postgres generate`; test/generated-rules.test.ts fails while',
  '-- this file is stale. A repeatable migration: applied again whenever it changes.',
  '--',
  "-- The facts: p_run_status is the run's status (NULL: no run), p_entity_status the touched",
  "-- entity's (NULL: it does not exist; a hook is 'active', or 'disposed' once deleted),",
  "-- p_retry_after a step's retryAfter and p_now the clock, both epoch ms.",
];

const FACT_PARAMS =
  'p_event_type text, p_run_status text, p_entity_status text, p_retry_after bigint, p_now bigint';

function sqlFunction(signature: string, returns: string, body: string): string {
  return [
    `CREATE OR REPLACE FUNCTION ${signature}`,
    `  RETURNS ${returns} LANGUAGE sql IMMUTABLE PARALLEL SAFE`,
    `  RETURN ${body};`,
  ].join('\n');
}

function caseOf(branches: [string, string][], otherwise: string): string {
  const whens = branches.map(
    ([eventType, value]) => `    WHEN ${literal(eventType)} THEN ${value}`,
  );
  return ['CASE p_event_type', ...whens, `    ELSE ${otherwise}`, '  END'].join('\n');
}

/** True when no refusal holds: the guard of the compare-and-set writes. */
function allowsFunction(): string {
  const branches = entries.map(([eventType, rule]): [string, string] => [
    eventType,
    rule.refusals.length === 0
      ? 'true'
      : `NOT (${rule.refusals.map((refusal) => compileCondition(refusal.when, sql)).join('\n      OR ')})`,
  ]);
  return [
    '-- Whether the event passes all of its rules. Inlined by the planner into the statement that',
    '-- uses it, so the common path pays no function call.',
    sqlFunction(`rule_allows(${FACT_PARAMS})`, 'boolean', caseOf(branches, 'false')),
  ].join('\n');
}

/** The first refusal that holds, with its message; only called once a guard said no. */
function refusalFunction(): string {
  const branches = entries.map(([eventType, rule]) => {
    const checks = rule.refusals.map((refusal) =>
      [
        `    IF ${compileCondition(refusal.when, sql)} THEN`,
        `      RETURN refusal(${literal(refusal.code)}, ${compileMessage(refusal.message, sql)}${
          refusal.code === 'TOO_EARLY' ? `, ${RETRY_AFTER_SECONDS}` : ''
        });`,
        '    END IF;',
      ].join('\n'),
    );
    return [`  WHEN ${literal(eventType)} THEN`, ...checks].join('\n');
  });
  return [
    "-- The event's first refusal that holds (NULL when none does): its code, message and detail.",
    'CREATE OR REPLACE FUNCTION rule_refusal(p_event_type text, p_run_id text,',
    '    p_correlation_id text, p_run_status text, p_entity_status text, p_retry_after bigint,',
    '    p_now bigint)',
    '  RETURNS append_result LANGUAGE plpgsql IMMUTABLE AS $$',
    'BEGIN',
    '  CASE p_event_type',
    ...branches,
    '  ELSE',
    '    NULL;',
    '  END CASE;',
    '  RETURN NULL;',
    'END $$;',
  ].join('\n');
}

function unchangedFunction(): string {
  const branches = entries
    .filter(([, rule]) => rule.unchangedWhen !== undefined)
    .map(([eventType, rule]): [string, string] => [
      eventType,
      compileCondition(rule.unchangedWhen!, sql),
    ]);
  return [
    '-- Whether a valid event is an idempotent no-op that appends nothing.',
    sqlFunction(
      'rule_unchanged(p_event_type text, p_run_status text, p_entity_status text)',
      'boolean',
      caseOf(branches, 'false'),
    ),
  ].join('\n');
}

function becomesFunction(): string {
  const branches = entries
    .filter(([, rule]) => rule.becomes !== undefined)
    .map(([eventType, rule]): [string, string] => [eventType, literal(rule.becomes!)]);
  return [
    '-- The status the event leaves its entity in (NULL: it changes no status).',
    sqlFunction('rule_becomes(p_event_type text)', 'text', caseOf(branches, 'NULL')),
  ].join('\n');
}

function flagFunction(name: string, comment: string, flag: 'external' | 'endsRun'): string {
  const types = entries.filter(([, rule]) => rule[flag] === true).map(([type]) => literal(type));
  return [
    `-- ${comment}`,
    sqlFunction(`${name}(p_event_type text)`, 'boolean', `p_event_type IN (${types.join(', ')})`),
  ].join('\n');
}

function specVersionFunctions(): string {
  return [
    '-- The newest spec version of a run the store holds and appends to (RUN_SPEC_VERSION_MAX).',
    sqlFunction('rule_run_spec_version_max()', 'integer', String(RUN_SPEC_VERSION_MAX)),
    '-- Runs of this spec version or later number their events by slot (SPEC_VERSION_SLOT_IDS).',
    sqlFunction('rule_spec_version_slot_ids()', 'integer', String(SPEC_VERSION_SLOT_IDS)),
  ].join('\n');
}

export function renderRulesSql(): string {
  return `${[
    HEADER.join('\n'),
    specVersionFunctions(),
    allowsFunction(),
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
  ].join('\n\n')}\n`;
}
