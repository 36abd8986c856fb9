import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES_SQL_PATH, renderRulesSql } from '../codegen/rules-sql.js';

describe('generated rule code', () => {
  it(`${RULES_SQL_PATH} is what the rules table of @worldkit/world generates`, () => {
    const checkedIn = readFileSync(new URL(`../${RULES_SQL_PATH}`, import.meta.url), 'utf8');
    expect(
      checkedIn,
      'stale: run `pnpm --filter @worldkit/world-postgres generate` and commit the result',
    ).toBe(renderRulesSql());
  });
});
