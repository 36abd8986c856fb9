#!/usr/bin/env node
import { PRUNE_USAGE, runCommandLine, runPruneCommand, usageFailure } from '@worldkit/world';
import type { RedisWorldOptions } from './config.js';
import { createWorld } from './world.js';

const USAGE = `Usage: worldkit-redis <command> [--url <redis url>] [--prefix <key prefix>]

Commands:
  ${PRUNE_USAGE}
  help      print this help (also -h, --help)

The URL defaults to WORKFLOW_REDIS_URL, then REDIS_URL, then redis://127.0.0.1:6379; the prefix
to WORKFLOW_REDIS_PREFIX, then "worldkit". On Redis Cluster set WORKFLOW_REDIS_CLUSTER=1 (the URL
then names one or more seed nodes, comma-separated).`;

/** The World's own flags, taken out of the command's words; the rest belong to the command. */
const TARGET_FLAGS = { '--url': 'url', '--prefix': 'prefix' } as const;

function splitTarget(args: string[]): { target: RedisWorldOptions; rest: string[] } | string {
  const target: RedisWorldOptions = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const option = TARGET_FLAGS[flag as keyof typeof TARGET_FLAGS];
    if (option === undefined) {
      rest.push(args[i]!);
      continue;
    }
    const value = inline ?? args[++i];
    if (value === undefined || value === '') return `missing value for ${flag}`;
    target[option] = value;
  }
  return { target, rest };
}

async function main(argv: string[]): Promise<number> {
  // Help is asked for, not a mistake: it goes to stdout with exit code 0.
  if (argv[0] === 'help' || argv.some((arg) => arg === '-h' || arg === '--help')) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...args] = argv;
  if (command !== 'prune') {
    return usage(command === undefined ? undefined : `unknown command ${command}`);
  }
  const split = splitTarget(args);
  if (typeof split === 'string') return usage(split);
  const world = createWorld({ ...split.target, recoverActiveRuns: false });
  try {
    return await runPruneCommand(split.rest, world.prune);
  } catch (error) {
    console.error((error as Error).message ?? String(error));
    return 1;
  } finally {
    await world.close();
  }
}

const usage = (problem?: string) => usageFailure(USAGE, problem);

runCommandLine(main);
