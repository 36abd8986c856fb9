import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { ConformanceTiming, ProcessWorld } from '../suite/types.js';

/** The host script next to this module: the TypeScript source in development, else the build. */
function hostPath(): URL {
  return import.meta.url.endsWith('.ts')
    ? new URL('./host.ts', import.meta.url)
    : new URL('./child/host.js', import.meta.url);
}

/** tsx's loader, so that children can open World modules written in TypeScript. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export interface WorldProcess {
  readonly pid: number;
  /** False once the child exited (killed, crashed or closed). */
  readonly alive: boolean;
  /** Calls a World method in the child (`'events.create'`, `'writeToStream'`, `'start'`, …). */
  call<T = unknown>(path: string, ...args: unknown[]): Promise<T>;
  /** Ends the child abruptly, as a crash would. */
  kill(): Promise<void>;
  /** Asks the child to close its World and exit. */
  close(): Promise<void>;
}

/** Forks a process that opens the World module over the same backend. */
export async function spawnWorldProcess(
  target: ProcessWorld,
  timing: ConformanceTiming,
  env: Record<string, string | undefined> = {},
): Promise<WorldProcess> {
  const child: ChildProcess = fork(hostPath(), [], {
    execArgv: ['--import', tsxLoader()],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: {
      ...process.env,
      ...target.env,
      ...env,
      WORLDKIT_CHILD_MODULE: target.module,
      WORLDKIT_CHILD_EXPORT: target.exportName ?? '',
      WORLDKIT_CHILD_TIMING: JSON.stringify(timing),
    },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 0;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  const failAll = (reason: string) => {
    for (const { reject } of pending.values()) reject(new Error(reason));
    pending.clear();
  };
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the World process exited with code ${code} before it was ready`)),
    );
    child.on('message', (message: any) => {
      if (message?.ready) return resolve();
      const waiter = pending.get(message?.id);
      if (waiter === undefined) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(Object.assign(new Error(message.error.message), message.error));
    });
  });
  child.on('exit', (code, signal) => failAll(`the World process exited (${signal ?? code})`));
  return {
    pid: child.pid!,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    call(path, ...args) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, path, args });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
