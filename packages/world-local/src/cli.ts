#!/usr/bin/env node
import fs from 'node:fs';
import { PRUNE_USAGE, runCommandLine, runPruneCommand, usageFailure } from '@worldkit/world';
import { resolveConfig } from './config.js';
import { Engine } from './engine.js';
import { Layout } from './fs/layout.js';

const USAGE = `Usage: worldkit-local <command> [--dir <data directory>]

Commands:
  ${PRUNE_USAGE}
  help      print this help (also -h, --help)

The data directory defaults to WORKFLOW_LOCAL_DATA_DIR, then .workflow-data in the current
directory. Apps may keep using it while the command runs.`;

async function main(argv: string[]): Promise<number> {
  // Help is asked for, not a mistake: it goes to stdout with exit code 0.
  if (argv[0] === 'help' || argv.some((arg) => arg === '-h' || arg === '--help')) {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  if (command !== 'prune') {
    return usage(command === undefined ? undefined : `unknown command ${command}`);
  }
  const { dataDir, others, problem } = dirFlag(rest);
  if (problem !== undefined) return usage(problem);
  const config = resolveConfig(dataDir === undefined ? {} : { dataDir });
  // Pruning a directory that holds no store would create an empty one and report 0 runs.
  if (!fs.existsSync(new Layout(config.dataDir).formatFile)) {
    console.error(`${config.dataDir} is not a worldkit-local data directory`);
    return 1;
  }
  const engine = new Engine(config);
  try {
    return await runPruneCommand(others, (options) => engine.prune(options));
  } catch (error) {
    console.error((error as Error)?.message ?? String(error));
    return 1;
  } finally {
    await engine.close();
  }
}

/** `--dir <value>`, apart from the other arguments (prune's own, read by runPruneCommand). */
function dirFlag(args: string[]): { dataDir?: string; others: string[]; problem?: string } {
  const others: string[] = [];
  let dataDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== '--dir') {
      others.push(args[i]!);
      continue;
    }
    dataDir = args[++i];
    if (dataDir === undefined) return { others, problem: 'missing value for --dir' };
  }
  return { dataDir, others };
}

const usage = (problem?: string) => usageFailure(USAGE, problem);

runCommandLine(main);
