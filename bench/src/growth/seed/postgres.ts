/**
 * Seeding the PostgreSQL World: its own tables, filled server-side. Every table with a `run_id`
 * column that holds template rows is copied by one `INSERT … SELECT` per batch of clones, which
 * joins the template rows (kept in temporary tables) with the batch (three arrays: clone number,
 * template run, time shift) and rewrites on the server, column by column:
 *
 * - a text column holding template ids (run, event, step, hook ids, hook tokens) gets the clone's
 *   ids, built by the same formula as `ids.ts` (the base32 encoder is generated from it);
 * - a bytea column holding a hook token (the CBOR of hook_created's data) gets the clone's token
 *   at the same offset, same length;
 * - a timestamptz column is moved by the clone's shift; everything else is copied as stored.
 *
 * Columns are read from the catalog, so columns a migration adds are copied too; a template id
 * anywhere the rules above do not cover fails the seeding instead of writing a wrong copy.
 */
import { idTime } from '@worldkit/world';
import pg from 'pg';
import { quoteIdentifier } from '../../services.js';
import { schemaBytes } from '../../store-size.js';
import { batchesOf } from './batches.js';
import { CLONE_LENGTH, CROCKFORD, idPrefix, ordinalPart, SEED_MARK, TIME_LENGTH } from './ids.js';
import type { Seeder } from './seeder.js';
import { cloneShift, type Templates, templateOf } from './templates.js';

const CLONES_PER_BATCH = 20_000;

/** SQL for `crockford(v, width)` of `ids.ts`, on a bigint. */
function crockfordSql(variable: string, width: number): string {
  return Array.from(
    { length: width },
    (_, index) =>
      `substr('${CROCKFORD}', ((${variable} >> ${5 * (width - 1 - index)}) & 31)::int + 1, 1)`,
  ).join(' || ');
}

interface Column {
  name: string;
  type: string;
}

type Role = 'id' | 'token bytes' | 'time' | 'epoch ms' | 'copy';

async function rolesOf(
  client: pg.Client,
  template: string,
  columns: Column[],
  window: Templates['window'],
): Promise<Role[]> {
  const roles: Role[] = [];
  for (const { name, type } of columns) {
    const column = `t.${quoteIdentifier(name)}`;
    if (type === 'text' || type === 'character varying') {
      const { rows } = await client.query(
        `SELECT bool_or(${column} = i.template_id) AS whole,
                bool_or(${column} <> i.template_id) AS inside
         FROM ${template} t JOIN pg_temp.seed_ids i ON strpos(${column}, i.template_id) > 0`,
      );
      if (rows[0].inside) throw new Error(`${template}.${name} holds an id inside longer text`);
      roles.push(rows[0].whole ? 'id' : 'copy');
    } else if (type === 'bytea') {
      const { rows } = await client.query(
        `SELECT array_agg(DISTINCT i.kind) AS kinds FROM ${template} t
         JOIN pg_temp.seed_ids i ON position(convert_to(i.template_id, 'UTF8') IN ${column}) > 0`,
      );
      const kinds: string[] = rows[0].kinds ?? [];
      if (kinds.some((kind) => kind !== 'token')) {
        throw new Error(`${template}.${name} holds ids (${kinds.join(', ')}) inside its bytes`);
      }
      roles.push(kinds.length > 0 ? 'token bytes' : 'copy');
    } else if (type === 'timestamp with time zone') {
      roles.push('time');
    } else if (type === 'bigint') {
      const { rows } = await client.query(
        `SELECT bool_or(${column} BETWEEN $1 AND $2) AS times FROM ${template} t`,
        [window.from, window.to],
      );
      roles.push(rows[0].times ? 'epoch ms' : 'copy');
    } else {
      roles.push('copy');
    }
  }
  return roles;
}

const cloneIdSql = (map: string) =>
  `${map}.prefix || pg_temp.seed_time(${map}.id_ms + c.shift) || c.mark || ${map}.ordinal`;

/** The INSERT … SELECT that copies one table's template rows into a batch of clones. */
function copyStatement(
  schema: string,
  table: string,
  columns: Column[],
  roles: Role[],
  window: Templates['window'],
): string {
  const joins: string[] = [];
  const select = columns.map(({ name }, index) => {
    const column = `t.${quoteIdentifier(name)}`;
    switch (roles[index]) {
      case 'id': {
        const map = `m${index}`;
        joins.push(`LEFT JOIN pg_temp.seed_ids ${map} ON ${map}.template_id = ${column}`);
        return `CASE WHEN ${map}.template_id IS NULL THEN ${column} ELSE ${cloneIdSql(map)} END`;
      }
      case 'token bytes':
        return `CASE WHEN k.template_id IS NULL OR position(k.bytes IN ${column}) = 0 THEN ${column}
          ELSE overlay(${column} PLACING convert_to(${cloneIdSql('k')}, 'UTF8')
            FROM position(k.bytes IN ${column}) FOR octet_length(k.bytes)) END`;
      case 'time':
        return `${column} + c.shift * interval '1 millisecond'`;
      case 'epoch ms':
        return `CASE WHEN ${column} BETWEEN ${window.from} AND ${window.to} THEN ${column} + c.shift ELSE ${column} END`;
      default:
        return column;
    }
  });
  if (roles.includes('token bytes')) {
    joins.push(
      `LEFT JOIN (SELECT *, convert_to(template_id, 'UTF8') AS bytes FROM pg_temp.seed_ids
         WHERE kind = 'token') k ON k.template_run = t.run_id`,
    );
  }
  return `INSERT INTO ${quoteIdentifier(schema)}.${quoteIdentifier(table)}
      (${columns.map(({ name }) => quoteIdentifier(name)).join(', ')})
    SELECT ${select.join(',\n      ')}
    FROM (SELECT n, template_run, shift, '${SEED_MARK}' || pg_temp.seed_clone(n) AS mark
          FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS u(n, template_run, shift)) c
    JOIN pg_temp.${quoteIdentifier(`seed_t_${table}`)} t ON t.run_id = c.template_run
    ${joins.join('\n    ')}`;
}

export async function postgresSeeder(
  location: { url: string; schema: string },
  templates: Templates,
): Promise<Seeder> {
  const { schema } = location;
  const client = new pg.Client({ connectionString: location.url });
  await client.connect();
  try {
    // The encoder and the templates live in this session only: nothing is added to the schema.
    await client.query(
      `CREATE FUNCTION pg_temp.seed_time(v bigint) RETURNS text LANGUAGE sql IMMUTABLE
         RETURN ${crockfordSql('v', TIME_LENGTH)}`,
    );
    await client.query(
      `CREATE FUNCTION pg_temp.seed_clone(v bigint) RETURNS text LANGUAGE sql IMMUTABLE
         RETURN ${crockfordSql('v', CLONE_LENGTH)}`,
    );
    await client.query(
      `CREATE TEMP TABLE seed_ids (template_id text COLLATE "C" PRIMARY KEY, template_run text,
         kind text, prefix text, id_ms bigint, ordinal text)`,
    );
    const ids = templates.list.flatMap((template) =>
      template.ids.map((id, ordinal) => ({ id, ordinal, template })),
    );
    await client.query(
      `INSERT INTO seed_ids SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
         $5::bigint[], $6::text[])`,
      [
        ids.map(({ id }) => id),
        ids.map(({ template }) => template.runId),
        ids.map(({ id, template }) => (id === template.token ? 'token' : 'id')),
        ids.map(({ id }) => idPrefix(id)),
        ids.map(({ id }) => idTime(id)),
        ids.map(({ ordinal }) => ordinalPart(ordinal)),
      ],
    );

    const { rows: tables } = await client.query<{ table_name: string }>(
      `SELECT c.table_name FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
       WHERE c.table_schema = $1 AND c.column_name = 'run_id' AND t.table_type = 'BASE TABLE'
       ORDER BY c.table_name`,
      [schema],
    );
    const runIds = templates.list.map((template) => template.runId);
    const copies: Array<{ table: string; statement: string }> = [];
    for (const { table_name: table } of tables) {
      const copy = quoteIdentifier(`seed_t_${table}`);
      const { rowCount } = await client.query(
        `CREATE TEMP TABLE ${copy} AS SELECT * FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)}
         WHERE run_id = ANY($1::text[])`,
        [runIds],
      );
      if (!rowCount) continue;
      const { rows: columns } = await client.query<Column>(
        `SELECT column_name AS name, data_type AS type FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
        [schema, table],
      );
      const roles = await rolesOf(client, `pg_temp.${copy}`, columns, templates.window);
      copies.push({
        table,
        statement: copyStatement(schema, table, columns, roles, templates.window),
      });
    }
    if (!copies.some(({ table }) => table === 'runs')) {
      throw new Error(`no template runs found in ${schema}`);
    }

    return {
      async grow(from, to, progress) {
        for (const batch of batchesOf(from, to, CLONES_PER_BATCH)) {
          const clones = batch.numbers;
          const mapped = clones.map((n) => templateOf(templates, n));
          const values = [
            clones,
            mapped.map((template) => template.runId),
            clones.map((n, index) => cloneShift(templates, mapped[index]!, n)),
          ];
          await client.query('BEGIN');
          try {
            for (const { statement } of copies) await client.query(statement, values);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
          progress(batch.progress);
        }
      },
      async settle() {
        for (const { table } of copies) {
          await client.query(
            `VACUUM (ANALYZE) ${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
          );
        }
      },
      bytes: () => schemaBytes(client, schema),
      close: () => client.end(),
    };
  } catch (error) {
    await client.end();
    throw error;
  }
}
