import type pg from 'pg';

/**
 * A text dump of what the migrations built, read from the catalog: tables with their columns,
 * indexes, and functions (signature, settings and a digest of the body). The schema's own name
 * is replaced by `<schema>` so dumps of different schemas compare equal (in a body too, before its
 * digest: a SQL-standard body names the functions it calls with their schema).
 */
export async function dumpSchema(client: pg.Client, schema: string): Promise<string> {
  const lines: string[] = [];
  const columns = await client.query(
    `SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull,
            pg_get_expr(d.adbin, d.adrelid) AS default_value, co.collname,
            array_to_string(c.reloptions, ',') AS options
     FROM pg_class c
     JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
     LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
     LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 100
     WHERE n.nspname = $1 AND c.relkind = 'r'
     ORDER BY c.relname, a.attnum`,
    [schema],
  );
  let table = '';
  for (const row of columns.rows) {
    if (row.relname !== table) {
      table = row.relname;
      lines.push(`table ${table}${row.options ? ` (${row.options})` : ''}`);
    }
    lines.push(
      `  ${row.attname} ${row.type}${row.collname ? ` collate ${row.collname}` : ''}${row.attnotnull ? ' not null' : ''}${row.default_value ? ` default ${row.default_value}` : ''}`,
    );
  }
  const indexes = await client.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`,
    [schema],
  );
  for (const row of indexes.rows) lines.push(`index ${row.indexdef}`);
  const functions = await client.query(
    `SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args,
            pg_get_function_result(p.oid) AS result, l.lanname, p.provolatile,
            array_to_string(p.proconfig, ',') AS config,
            md5(replace(coalesce(p.prosrc, '') || coalesce(pg_get_function_sqlbody(p.oid), ''),
                        $1, '<schema>')) AS body
     FROM pg_proc p
     JOIN pg_namespace n ON n.oid = p.pronamespace
     JOIN pg_language l ON l.oid = p.prolang
     WHERE n.nspname = $1
     ORDER BY p.proname, args`,
    [schema],
  );
  for (const row of functions.rows) {
    lines.push(
      `function ${row.proname}(${row.args}) returns ${row.result} language ${row.lanname} volatility ${row.provolatile}${row.config ? ` set ${row.config}` : ''} body ${row.body}`,
    );
  }
  return `${lines.join('\n').replaceAll(schema, '<schema>')}\n`;
}
