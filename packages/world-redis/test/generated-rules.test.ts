import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RULES_LUA_PATH, renderRulesLua } from '../codegen/rules-lua.js';

describe('generated rule code', () => {
  it(`${RULES_LUA_PATH} is what the rules table of @worldkit/world generates`, () => {
    const checkedIn = readFileSync(new URL(`../${RULES_LUA_PATH}`, import.meta.url), 'utf8');
    expect(
      checkedIn,
      'stale: run `pnpm --filter @worldkit/world-redis generate` and commit the result',
    ).toBe(renderRulesLua());
  });
});
