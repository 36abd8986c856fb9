import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@worldkit/world-testing';
import { failFastClient } from './helpers.js';

/**
 * A redis-server of the test's own, on a free port with a temporary directory, that the test can
 * crash (SIGKILL) and start again on the same port and data.
 */
export class PrivateRedis {
  private process: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'world-redis-'));

  private constructor(
    readonly port: number,
    private readonly args: string[],
  ) {}

  static async start(args: string[] = []): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), args);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        ...this.args,
      ],
      { stdio: 'ignore' },
    );
    child.once('error', () => {});
    this.process = child;
    await this.waitUntilReady();
  }

  /** Kills the server without letting it write anything more: a crash. */
  async crash(): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  async stop(): Promise<void> {
    await this.crash();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = failFastClient(this.url);
      try {
        await client.connect();
        // After a restart the server answers LOADING until the AOF is replayed.
        if ((await client.ping()) === 'PONG') return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`redis-server did not start on port ${this.port}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        client.disconnect();
      }
    }
  }
}
