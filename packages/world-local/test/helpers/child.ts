import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/child.mjs', import.meta.url));

export interface Child {
  process: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the first line matching, rejects if the child exits first. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Child processes of one test file, killed after each test. */
export function useChildren() {
  const children: Child[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.kill()));
  });
  return function start(mode: string, args: Record<string, unknown>): Child {
    const child = spawn(process.execPath, [script, mode, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    const listeners = new Set<() => void>();
    let buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      buffered += text;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      lines.push(...parts);
      for (const listener of listeners) listener();
    });
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => {
        for (const listener of listeners) listener();
        resolve(code);
      });
    });
    const stdoutClosed = new Promise<void>((resolve) => child.stdout!.on('close', resolve));
    const handle: Child = {
      process: child,
      lines,
      exited,
      waitFor(pattern) {
        return new Promise((resolve, reject) => {
          const check = () => {
            const line = lines.find((candidate) => pattern.test(candidate));
            if (line !== undefined) {
              listeners.delete(check);
              resolve(line);
            } else if (child.exitCode !== null || child.signalCode !== null) {
              listeners.delete(check);
              reject(
                new Error(`child ${mode} exited before printing ${pattern}: ${lines.join(' | ')}`),
              );
            }
          };
          listeners.add(check);
          check();
        });
      },
      async kill() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
        // Every line the child wrote before dying is in the pipe: read it to the end.
        await stdoutClosed;
      },
    };
    children.push(handle);
    return handle;
  };
}
