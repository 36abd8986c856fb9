import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@worldkit/world-testing';

const run = promisify(execFile);

/** The directory of initdb and pg_ctl: the newest /usr/lib/postgresql/<v>/bin, else PATH. */
function serverBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/**
 * A PostgreSQL cluster of the test's own: initdb into a temporary directory, a free port on
 * loopback, its socket in that directory. The server refuses to run as root, so when the test
 * runs as root the cluster belongs to, and runs as, the `postgres` OS user.
 */
export class PrivateCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'world-postgres-cluster-'));
  private readonly data = join(this.dir, 'data');
  private readonly bin = serverBinaries();
  private readonly asRoot = process.getuid?.() === 0;

  private constructor(readonly port: number) {}

  static async create(): Promise<PrivateCluster> {
    const cluster = new PrivateCluster(await freePort());
    await cluster.init();
    await cluster.start();
    return cluster;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private async init(): Promise<void> {
    if (this.asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
        throw new Error('running as root needs a "postgres" OS user to own the private cluster');
      });
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(this.dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await this.command('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '--no-sync']);
  }

  async start(): Promise<void> {
    await this.command('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-o',
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=60`,
      'start',
    ]);
  }

  /** Stops the server; `immediate` is a crash (no checkpoint, recovery from WAL on start). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.command('pg_ctl', ['-D', this.data, '-w', '-m', mode, 'stop']);
  }

  async restart(mode: 'fast' | 'immediate' = 'immediate'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async command(name: string, args: string[]): Promise<void> {
    const binary = this.bin === undefined ? name : join(this.bin, name);
    const [file, argv] = this.asRoot
      ? ['runuser', ['-u', 'postgres', '--', binary, ...args]]
      : [binary, args];
    try {
      await run(file, argv, { cwd: this.dir });
    } catch (error) {
      throw new Error(
        `${name} failed (${(error as Error).message.trim()}): the fault tests need the PostgreSQL server binaries (initdb, pg_ctl), under /usr/lib/postgresql/<version>/bin or on PATH`,
      );
    }
  }
}
