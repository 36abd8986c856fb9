/**
 * Compiles rules-table conditions and message templates (`rules.ts`) into another language's
 * expressions, for the Worlds that decide natively and generate their rule code from the table
 * (PL/pgSQL in world-postgres, Lua in world-redis). A dialect says how that language writes each
 * piece; what the pieces mean is decided here once, as `evaluate.ts` decides it for TypeScript.
 */
import { MESSAGE_FIELDS } from './evaluate.js';
import type { Condition } from './rules.js';

/** The facts a rule reads (see `RuleFacts`), plus the message-only `retryAfterSeconds`. */
export type RuleFact =
  | 'runId'
  | 'correlationId'
  | 'runStatus'
  | 'entityStatus'
  | 'retryAfter'
  | 'now'
  | 'retryAfterSeconds';

/** A fact's name in snake case (`runStatus` → `run_status`), as SQL and Lua name variables. */
export function snakeCaseFact(fact: RuleFact): string {
  return fact.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export interface RuleDialect {
  /** A string literal. */
  literal(text: string): string;
  /** The expression that holds a fact (null / nil when absent). */
  fact(name: RuleFact): string;
  isAbsent(expression: string): string;
  isPresent(expression: string): string;
  /** True only when the (present) text value is one of `values`; false when it is absent. */
  oneOf(expression: string, values: readonly string[]): string;
  greaterThan(left: string, right: string): string;
  and(parts: string[]): string;
  not(expression: string): string;
  concat(parts: string[]): string;
  /** A fact that may be absent, as text: '' when absent (as `renderMessage` writes it). */
  text(expression: string): string;
}

/** Facts a message may name that are not always present. */
const MAYBE_ABSENT: ReadonlySet<RuleFact> = new Set(['runStatus', 'entityStatus']);

/** A two-valued boolean expression: true exactly when `evaluate.ts`'s `holds` is. */
export function compileCondition(condition: Condition, dialect: RuleDialect): string {
  if ('all' in condition)
    return dialect.and(condition.all.map((each) => compileCondition(each, dialect)));
  if ('not' in condition) return dialect.not(compileCondition(condition.not, dialect));
  if ('retryPending' in condition) {
    const retryAfter = dialect.fact('retryAfter');
    return dialect.and([
      dialect.isPresent(retryAfter),
      dialect.greaterThan(retryAfter, dialect.fact('now')),
    ]);
  }
  if ('run' in condition) return dialect.oneOf(dialect.fact('runStatus'), condition.statuses);
  const entity = dialect.fact('entityStatus');
  switch (condition.entity) {
    case 'missing':
      return dialect.isAbsent(entity);
    case 'present':
      return dialect.isPresent(entity);
    case 'in':
      return dialect.oneOf(entity, condition.statuses);
  }
}

/** A text expression: the template with each `{field}` replaced by its fact. */
export function compileMessage(template: string, dialect: RuleDialect): string {
  const parts: string[] = [];
  let rest = template;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const at = rest.indexOf(match[0]);
    if (at > 0) parts.push(dialect.literal(rest.slice(0, at)));
    const field = match[1] as RuleFact;
    if (!(MESSAGE_FIELDS as readonly string[]).includes(field))
      throw new Error(`unknown message field {${field}} in "${template}"`);
    parts.push(MAYBE_ABSENT.has(field) ? dialect.text(dialect.fact(field)) : dialect.fact(field));
    rest = rest.slice(at + match[0].length);
  }
  if (rest !== '') parts.push(dialect.literal(rest));
  return parts.length === 1 ? parts[0]! : dialect.concat(parts);
}
