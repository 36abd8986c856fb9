import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/**
 * The Lua scripts, one atomic operation each, kept in `lua/` beside `dist/` (shipped with the
 * package). A line `--- @include "includes/x.lua"` is replaced by that file when a script is
 * loaded, so shared helpers are written once. ioredis sends each script by SHA (EVALSHA) and
 * falls back to the full text when the server answers NOSCRIPT, e.g. after a restart.
 */
export const SCRIPT_NAMES = [
  'createEvent',
  'listEvents',
  'enqueue',
  'claim',
  'ack',
  'nack',
  'renew',
  'reclaim',
  'streamAppend',
  'streamClose',
  'pruneRun',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

const LUA_DIR = new URL('../lua/', import.meta.url);
const INCLUDE = /^--- @include "([^"]+)"$/gm;

let sources: Map<ScriptName, string> | undefined;

/** The script's text with its includes inlined; read once per process. */
export function scriptSource(name: ScriptName): string {
  sources ??= new Map(SCRIPT_NAMES.map((script) => [script, readScript(`${script}.lua`)]));
  return sources.get(name)!;
}

function readScript(file: string): string {
  const text = readFileSync(new URL(file, LUA_DIR), 'utf8');
  return text.replace(INCLUDE, (_, include: string) => readScript(include));
}

/** Registers every script on a client; each becomes `<name>` and `<name>Buffer` commands. */
export function defineScripts(client: Redis): void {
  for (const name of SCRIPT_NAMES) {
    client.defineCommand(name, { lua: scriptSource(name) });
  }
}

type Arg = string | Buffer | Uint8Array | number;

/** Runs a script; replies keep their bytes (Buffers) when `buffers` is set. */
export function runScript(
  client: Redis,
  name: ScriptName,
  keys: string[],
  args: Arg[],
  buffers = false,
): Promise<unknown> {
  const command = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
    buffers ? `${name}Buffer` : name
  ]!;
  return command.call(client, keys.length, ...keys, ...args.map(wireArg));
}

/** One call of a script: its keys and arguments. */
export interface ScriptCall {
  keys: string[];
  args: Arg[];
}

/**
 * Runs a script once per call in one pipeline (one round trip), each call atomic on its own;
 * the replies in call order. The first failed call fails the batch.
 */
export function runScriptPipeline(
  client: Redis,
  name: ScriptName,
  calls: ScriptCall[],
): Promise<unknown[]> {
  return execCalls(client.pipeline(), name, calls);
}

/**
 * Runs a script once per call in one MULTI/EXEC (one round trip): the calls run back to back with
 * no other client's command between them, each deciding on its own; replies keep their bytes.
 */
export function runScriptTransaction(
  client: Redis,
  name: ScriptName,
  calls: ScriptCall[],
): Promise<unknown[]> {
  return execCalls(client.multi(), `${name}Buffer`, calls);
}

async function execCalls(
  batch: ChainableCommander,
  command: string,
  calls: ScriptCall[],
): Promise<unknown[]> {
  const queue = (batch as unknown as Record<string, (...a: unknown[]) => unknown>)[command]!;
  for (const { keys, args } of calls) queue.call(batch, keys.length, ...keys, ...args.map(wireArg));
  const results = (await batch.exec()) ?? [];
  return results.map(([error, reply]) => {
    if (error !== null) throw error;
    return reply;
  });
}

/** ioredis sends Buffers as bytes but stringifies any other Uint8Array ("0,255"): wrap them. */
function wireArg(arg: Arg): string | Buffer | number {
  if (arg instanceof Uint8Array && !Buffer.isBuffer(arg)) {
    return Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
  }
  return arg as string | Buffer | number;
}
