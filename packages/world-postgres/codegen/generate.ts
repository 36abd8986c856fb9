/** Writes the generated rule code (`pnpm --filter @worldkit/world-postgres generate`). */
import { writeFileSync } from 'node:fs';
import { RULES_SQL_PATH, renderRulesSql } from './rules-sql.js';

writeFileSync(new URL(`../${RULES_SQL_PATH}`, import.meta.url), renderRulesSql());
process.stdout.write(`wrote ${RULES_SQL_PATH}\n`);
