import { InvalidInputError, WorkflowWorldError } from '@worldkit/world';
import type { ResolvedConfig } from './config.js';

/** SQLSTATE classes and Node error codes that mean "the server could not be reached or went away". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** Text PostgreSQL cannot store (a NUL character, or bytes invalid in the database encoding). */
const UNSTORABLE_TEXT_CODES = new Set(['22021', '22P05']);

/**
 * The server was reached but would not let this login in: no user name, an unknown role, a wrong
 * password, a pg_hba.conf rule (class 28), or a database that does not exist.
 */
const LOGIN_FAILED_CODES = new Set(['28000', '28P01', '3D000']);

const MISSING_OBJECT_CODES = new Set([
  '3F000', // invalid_schema_name
  '42P01', // undefined_table
  '42883', // undefined_function
]);

export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08')))
    return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|connection timeout|Client has encountered a connection error|terminating connection/i.test(
      message,
    )
  );
}

/**
 * The server refused a new connection for now (out of connection slots, or starting up). The
 * statement never ran, so it is safe to wait and try again.
 */
export function isServerBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '53300' || code === '57P03';
}

export function isMissingSchemaError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && MISSING_OBJECT_CODES.has(code);
}

/** Where the World connects, for error messages (never the password). */
export function describeTarget(config: ResolvedConfig): string {
  if (config.pool !== undefined) return 'the PostgreSQL server of the pool passed in';
  if (config.connectionString === undefined) {
    return `PostgreSQL at ${process.env.PGHOST ?? 'localhost'}:${process.env.PGPORT ?? '5432'} (libpq defaults)`;
  }
  try {
    const url = new URL(config.connectionString);
    return `PostgreSQL at ${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the PostgreSQL server of the configured connection string';
  }
}

/**
 * Infrastructure failures become errors that say what to do. Transport failures carry status
 * 503 and code TRANSPORT, which the runtime treats as retryable (the queue redelivers).
 */
export function translateError(error: unknown, config: ResolvedConfig): unknown {
  if (error instanceof WorkflowWorldError) return error;
  if (isConnectionError(error)) {
    const detail = error instanceof Error ? error.message : String(error);
    return new WorkflowWorldError(
      `cannot reach ${describeTarget(config)} (${detail}): start the server, or set WORKFLOW_POSTGRES_URL (or DATABASE_URL) to a reachable database`,
      { status: 503, code: 'TRANSPORT', cause: error },
    );
  }
  if (isMissingSchemaError(error)) {
    return missingSchemaError(config, error);
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && LOGIN_FAILED_CODES.has(code)) {
    return loginFailedError(config, error);
  }
  if (typeof code === 'string' && UNSTORABLE_TEXT_CODES.has(code)) {
    // Nothing was written: the statement failed before any change.
    return new InvalidInputError(
      'input',
      `a text value contains a character PostgreSQL cannot store, such as NUL (${(error as Error).message})`,
    );
  }
  return error;
}

function loginFailedError(config: ResolvedConfig, cause: unknown): WorkflowWorldError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new WorkflowWorldError(
    `cannot log in to ${describeTarget(config)} (${detail}): ${loginFix(config)}`,
    { status: 503, code: 'LOGIN_FAILED', cause },
  );
}

function loginFix(config: ResolvedConfig): string {
  if (config.pool !== undefined) return 'check the user, password and database of the pool';
  if (config.connectionString === undefined) {
    return 'neither WORKFLOW_POSTGRES_URL nor DATABASE_URL is set, so the PG* variables and libpq defaults were used; set WORKFLOW_POSTGRES_URL (or DATABASE_URL) to the database to use, e.g. postgres://user:password@host:5432/database';
  }
  return 'check the user, password and database in the connection string (WORKFLOW_POSTGRES_URL, or DATABASE_URL)';
}

export function missingSchemaError(config: ResolvedConfig, cause?: unknown): WorkflowWorldError {
  return new WorkflowWorldError(
    `schema "${config.schema}" is missing or not fully migrated in ${describeTarget(config)}: run \`worldkit-postgres migrate\` (with WORKFLOW_POSTGRES_URL and WORKFLOW_POSTGRES_SCHEMA set as for the app), or leave automatic migration on (WORKFLOW_POSTGRES_MIGRATE unset)`,
    { status: 503, code: 'SCHEMA_MISSING', cause },
  );
}
