/** Writes the generated rule code (`pnpm --filter @worldkit/world-redis generate`). */
import { writeFileSync } from 'node:fs';
import { RULES_LUA_PATH, renderRulesLua } from './rules-lua.js';

writeFileSync(new URL(`../${RULES_LUA_PATH}`, import.meta.url), renderRulesLua());
process.stdout.write(`wrote ${RULES_LUA_PATH}\n`);
