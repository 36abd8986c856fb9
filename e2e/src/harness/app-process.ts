import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exitOf, stopChild } from './child-exit.js';
import { AppClient } from './client.js';
import { countingWorldEntry, e2eDirectory, serverEntry } from './paths.js';
import type { WorldTarget } from './targets.js';

const READY = /E2E_APP_READY port=(\d+)/;
/** Where the e2e processes write their logs. */
export const logDirectory = path.join(tmpdir(), 'worldkit-e2e-logs');

export interface AppOptions {
  /** Env shared by every process of the deployment (data dir, schema, prefix…). */
  env: Record<string, string>;
  /** Load the World through the counting wrapper (race tests) instead of directly. */
  countRefusals?: boolean;
  /** A name for the log file. */
  label: string;
  /** How long to wait for the app to listen and start its World. */
  startTimeoutMs?: number;
}

/** The env that selects `target` for the runtime, directly or through the counting wrapper. */
export function worldSelectionEnv(
  target: WorldTarget,
  countRefusals = false,
): Record<string, string> {
  return countRefusals
    ? { WORKFLOW_TARGET_WORLD: countingWorldEntry, E2E_COUNTED_WORLD: target.module }
    : { WORKFLOW_TARGET_WORLD: target.module };
}

/** One app process: the built server running the `wf build` bundles on a World. */
export class AppProcess {
  readonly client: AppClient;
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.client = new AppClient(`http://127.0.0.1:${port}`);
    this.exited = exitOf(child);
  }

  static async start(target: WorldTarget, options: AppOptions): Promise<AppProcess> {
    mkdirSync(logDirectory, { recursive: true });
    const logFile = path.join(logDirectory, `${options.label}-${Date.now()}-${process.pid}.log`);
    const log = createWriteStream(logFile);
    const child = spawn(
      process.execPath,
      // The webhook route module is ESM in a package without `type`: Node detects it, and warns.
      ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', serverEntry],
      {
        cwd: e2eDirectory,
        env: {
          ...process.env,
          ...options.env,
          ...worldSelectionEnv(target, options.countRefusals),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr!.pipe(log);
    const port = await new Promise<number>((resolve, reject) => {
      const timeout = setTimeout(
        () => fail(`did not start within ${options.startTimeoutMs ?? 60_000} ms`),
        options.startTimeoutMs ?? 60_000,
      );
      const fail = (why: string) => {
        clearTimeout(timeout);
        child.kill('SIGKILL');
        log.end(() =>
          reject(new Error(`e2e app on ${target.name} ${why}; log ${logFile}:\n${tail(logFile)}`)),
        );
      };
      let pending = '';
      child.stdout!.on('data', (data: Buffer) => {
        log.write(data);
        pending += data.toString('utf8');
        const match = READY.exec(pending);
        if (match) {
          clearTimeout(timeout);
          pending = '';
          resolve(Number(match[1]));
        } else {
          pending = pending.slice(-200);
        }
      });
      child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    });
    child.removeAllListeners('exit');
    return new AppProcess(child, port, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Kills the process without letting it clean up, as a crash would. */
  async crash(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** Asks the process to close its World and exit; kills it if it does not within 10 s. */
  stop(): Promise<void> {
    return stopChild(this.child, this.exited);
  }

  logTail(): string {
    return tail(this.logFile);
  }
}

/** The last lines of a log file, for a failure message. */
export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
