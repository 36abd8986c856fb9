import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { worldSelectionEnv } from './app-process.js';
import type { TestDeployment } from './deployment.js';
import { e2eDirectory, workspaceRoot } from './paths.js';
import type { WorldTarget } from './targets.js';

/**
 * An installed `workflow` CLI: its entry script, and the app directory it runs from, where
 * `WORKFLOW_TARGET_WORLD` resolves as it does for the app.
 */
export interface WorkflowCliInstall {
  entry: string;
  cwd: string;
}

/** The 4.x SDK's CLI (`@workflow/cli` 4.3.13), resolved as the e2e app resolves it. */
export const workflowCli4x: WorkflowCliInstall = {
  entry: path.join(
    path.dirname(
      createRequire(path.join(e2eDirectory, 'package.json')).resolve('@workflow/cli/package.json'),
    ),
    'bin',
    'run.js',
  ),
  cwd: e2eDirectory,
};

/**
 * The 5.x SDK's CLI: the bin of `workflow` 5.0.0-beta.55 as the e2e-5x-runtime app installs it,
 * run from there, where every Worldkit World's `v5` entry resolves by its package name.
 */
export const workflowCli5x: WorkflowCliInstall = {
  entry: path.join(workspaceRoot, 'e2e-5x-runtime', 'node_modules', 'workflow', 'bin', 'run.js'),
  cwd: path.join(workspaceRoot, 'e2e-5x-runtime'),
};

/**
 * The env of a `workflow` command on a World: `worldEnv` (what selects and configures it), no
 * colours, and no update check (the CLI would ask the npm registry on every start).
 */
export function workflowCliEnvOf(worldEnv: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...worldEnv,
    NO_COLOR: '1',
    FORCE_COLOR: '0',
    WORKFLOW_NO_UPDATE_CHECK: '1',
  };
}

/** The env of a `workflow` command on a deployment's World, selected and configured as the app's. */
export function workflowCliEnv(deployment: TestDeployment): NodeJS.ProcessEnv {
  return workflowCliEnvOf({ ...deployment.env, ...worldSelectionEnv(deployment.target) });
}

/**
 * A World as `workflow` commands reach it: a name for messages, the commands' env, and the CLI
 * that runs them (the 4.x one unless named).
 */
export interface CliWorld {
  name: string;
  env: NodeJS.ProcessEnv;
  cli?: WorkflowCliInstall;
}

/**
 * A Worldkit World's store for the 5.x CLI, selected as a user of the 5.x line selects it: by the
 * package's `v5` subpath, with `storageEnv` (its data directory, schema or key prefix).
 */
export function cliWorld5x(
  target: Pick<WorldTarget, 'name' | 'module'>,
  storageEnv: Record<string, string>,
): CliWorld {
  return {
    name: target.name,
    cli: workflowCli5x,
    env: workflowCliEnvOf({ ...storageEnv, WORKFLOW_TARGET_WORLD: `${target.module}/v5` }),
  };
}

/** A deployment's World for `workflow` commands; deliveries of what they enqueue go to its app. */
export function cliWorldOf(deployment: TestDeployment): CliWorld {
  return {
    name: deployment.target.name,
    env: { ...workflowCliEnv(deployment), PORT: String(deployment.apps[0]!.port) },
  };
}

export interface CliOutput {
  stdout: string;
  stderr: string;
  /** The exit code; 0 on success. */
  code: number;
}

/**
 * Runs `workflow <args>` against a World exactly as a user would: from the app's directory, with
 * `WORKFLOW_TARGET_WORLD` and the World's own env, no terminal, no colours.
 */
export function runWorkflowCli(
  world: CliWorld,
  args: string[],
  { timeoutMs = 120_000 }: { timeoutMs?: number } = {},
): Promise<CliOutput> {
  const { entry, cwd } = world.cli ?? workflowCli4x;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { cwd, env: world.env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        if (error !== null && code === -1) {
          reject(new Error(`workflow ${args.join(' ')} did not finish: ${error.message}`));
          return;
        }
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/** Runs the CLI and returns its stdout, failing with everything it printed when it exits non-zero. */
export async function workflowCli(world: CliWorld, args: string[]): Promise<string> {
  const output = await runWorkflowCli(world, args);
  if (output.code !== 0) {
    throw new Error(
      `workflow ${args.join(' ')} exited ${output.code} on ${world.name}:\n${output.stdout}\n${output.stderr}`,
    );
  }
  return output.stdout;
}

/** `workflow <args> --json`, parsed. */
export async function workflowCliJson<T>(world: CliWorld, args: string[]): Promise<T> {
  const stdout = await workflowCli(world, [...args, '--json']);
  try {
    return JSON.parse(stdout) as T;
  } catch {
    throw new Error(`workflow ${args.join(' ')} --json printed no JSON:\n${stdout}`);
  }
}

/**
 * A stream's chunks as text, read with the 5.x CLI's `inspect stream <id> -r <runId> --json`,
 * which prints each chunk as a line of JSON: its bytes by index.
 */
export async function streamTextByCli(
  world: CliWorld,
  streamId: string,
  runId: string,
): Promise<string[]> {
  const printed = await workflowCli(world, ['inspect', 'stream', streamId, '-r', runId, '--json']);
  return printed
    .trim()
    .split('\n')
    .map((line) => Buffer.from(Object.values(JSON.parse(line) as number[])).toString('utf8'));
}
