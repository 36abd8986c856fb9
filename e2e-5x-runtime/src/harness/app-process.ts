import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { logDirectory, tail } from '../../../e2e/src/harness/app-process.js';
import { exitOf, stopChild } from '../../../e2e/src/harness/child-exit.js';
import { node22Binary } from '../../../e2e/src/harness/node22.js';
import { AppClient } from './client.js';
import { appDirectory, serverEntry } from './paths.js';

const READY = /E2E_5X_APP_READY port=(\d+)/;
const START_TIMEOUT_MS = 60_000;

/** One app process: the 5.x bundles and the control surface on Node 22, on one World. */
export class AppProcess {
  readonly client: AppClient;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly logFile: string,
    readonly port: number,
  ) {
    this.client = new AppClient(`http://127.0.0.1:${port}`);
    this.exited = exitOf(child);
  }

  /** Starts the server with `env` (the World's selection and storage) and waits until ready. */
  static async start(label: string, env: Record<string, string>): Promise<AppProcess> {
    mkdirSync(logDirectory, { recursive: true });
    const logFile = path.join(logDirectory, `5x-runtime-${label}-${Date.now()}-${process.pid}.log`);
    const log = createWriteStream(logFile);
    // The app reuses e2e's request conversion, a .ts file in a package without `type`: Node
    // detects it as ESM, and warns.
    const child = spawn(
      node22Binary,
      ['--disable-warning=MODULE_TYPELESS_PACKAGE_JSON', serverEntry],
      {
        cwd: appDirectory,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stderr!.pipe(log);
    const port = await new Promise<number>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timeout);
        child.kill('SIGKILL');
        log.end(() => reject(new Error(`app ${label} ${why}; log ${logFile}:\n${tail(logFile)}`)));
      };
      const timeout = setTimeout(
        () => fail(`did not start within ${START_TIMEOUT_MS} ms`),
        START_TIMEOUT_MS,
      );
      let pending = '';
      child.stdout!.on('data', (data: Buffer) => {
        log.write(data);
        pending = (pending + data.toString('utf8')).slice(-200);
        const match = READY.exec(pending);
        if (match) {
          clearTimeout(timeout);
          resolve(Number(match[1]));
        }
      });
      child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before it was ready`));
    });
    child.removeAllListeners('exit');
    return new AppProcess(child, logFile, port);
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
