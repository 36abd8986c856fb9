import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { logDirectory, tail } from './app-process.js';
import { exitOf, stopChild } from './child-exit.js';
import { assertNode22Runs, node22Binary } from './node22.js';
import { type CliWorld, workflowCli4x } from './sdk-cli.js';
import { pollUntil } from './wait.js';

const READY = /Web UI server started on port \d+/;

/** A port nobody listens on right now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `workflow web` on a World: the SDK's own web UI (`@workflow/web`), served on Node 22 by the
 * World's CLI from its app directory (where `WORKFLOW_TARGET_WORLD` resolves), with the World's
 * env, no browser opened and no update check.
 */
export class WebUiServer {
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logFile: string,
  ) {
    this.exited = exitOf(child);
  }

  /** The web UI's address. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(
    world: CliWorld,
    label: string,
    { startTimeoutMs = 60_000 }: { startTimeoutMs?: number } = {},
  ): Promise<WebUiServer> {
    assertNode22Runs();
    // Another process may take the free port before the CLI listens on it: try a fresh one.
    for (let attempt = 1; ; attempt++) {
      try {
        return await WebUiServer.startOnce(world, label, await freePort(), startTimeoutMs);
      } catch (error) {
        if (attempt === 3 || !String(error).includes('EADDRINUSE')) throw error;
      }
    }
  }

  private static async startOnce(
    world: CliWorld,
    label: string,
    port: number,
    startTimeoutMs: number,
  ): Promise<WebUiServer> {
    mkdirSync(logDirectory, { recursive: true });
    const logFile = path.join(
      logDirectory,
      `web-ui-${world.name}-${label}-${Date.now()}-${process.pid}.log`,
    );
    const { entry, cwd } = world.cli ?? workflowCli4x;
    const log = createWriteStream(logFile);
    const child = spawn(node22Binary, [entry, 'web', '--noBrowser', '--webPort', String(port)], {
      cwd,
      env: world.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.pipe(log, { end: false });
    // The log ends once the process and both its output streams have closed.
    const logClosed = new Promise<void>((resolve) => child.once('close', () => log.end(resolve)));
    const server = await new Promise<WebUiServer>((resolve, reject) => {
      let settled = false;
      const fail = (why: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        child.kill('SIGKILL');
        void logClosed.then(() =>
          reject(
            new Error(`workflow web on ${world.name} ${why}; log ${logFile}:\n${tail(logFile)}`),
          ),
        );
      };
      const timeout = setTimeout(
        () => fail(`did not serve within ${startTimeoutMs} ms`),
        startTimeoutMs,
      );
      let pending = '';
      child.stdout!.on('data', (data: Buffer) => {
        log.write(data);
        if (settled) return;
        pending = (pending + data.toString('utf8')).slice(-500);
        if (READY.test(pending)) {
          settled = true;
          clearTimeout(timeout);
          resolve(new WebUiServer(child, port, logFile));
        }
      });
      // A server that cannot listen logs why and exits with 0.
      child.once('close', (code, signal) => fail(`exited (${signal ?? code}) before it served`));
    });
    try {
      await pollUntil(
        `the web UI on ${world.name} to answer`,
        async () => ((await fetch(server.url).catch(() => undefined))?.ok ? true : undefined),
        { timeoutMs: startTimeoutMs, intervalMs: 100 },
      );
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  /** Stops the server; kills it if it has not exited within 10 s. */
  stop(): Promise<void> {
    return stopChild(this.child, this.exited);
  }

  /** The end of what the server printed: the web UI logs the World errors it answers 5xx for. */
  logTail(): string {
    return tail(this.logFile);
  }
}
