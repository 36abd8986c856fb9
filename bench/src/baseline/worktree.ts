/**
 * The build a `--baseline` run compares against: a detached git worktree of that revision in a
 * cache folder outside the repository, installed and with its World packages built, once per
 * commit. Later runs with the same commit reuse it, so only the first one pays for the build.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BaselineBuild {
  /** The revision as given on the command line. */
  revision: string;
  sha: string;
  shortSha: string;
  /** The worktree: its packages are the ones measured. */
  directory: string;
}

/** `BENCH_BASELINE_CACHE`, or `worldkit-bench-baseline` in the system's temporary folder. */
export const baselineCacheRoot = (): string =>
  process.env.BENCH_BASELINE_CACHE ?? path.join(tmpdir(), 'worldkit-bench-baseline');

/** Written beside a worktree once its build succeeded: without it the folder is half made. */
const readyMarker = (directory: string) => `${directory}.ready`;

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

async function git(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('git', args, { cwd });
  return stdout.trim();
}

/**
 * Runs a command whose output only matters when it fails: a failed install or build shows the end
 * of what it printed.
 */
async function quietly(command: string, args: string[], cwd: string): Promise<void> {
  try {
    await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${cwd}:\n${tail}`);
  }
}

export async function resolveRevision(
  revision: string,
  repository: string,
): Promise<{ sha: string; shortSha: string }> {
  let sha: string;
  try {
    sha = await git(['rev-parse', '--verify', '--quiet', `${revision}^{commit}`], repository);
  } catch {
    throw new Error(`--baseline ${revision}: no such commit in ${repository}`);
  }
  return { sha, shortSha: await git(['rev-parse', '--short=7', sha], repository) };
}

/** Package name → folder, for every workspace package under `packages/` of a checkout. */
export async function workspacePackages(directory: string): Promise<Map<string, string>> {
  const packages = new Map<string, string>();
  const root = path.join(directory, 'packages');
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const folder = path.join(root, entry.name);
    const manifest = path.join(folder, 'package.json');
    if (!(await exists(manifest))) continue;
    const { name } = JSON.parse(await readFile(manifest, 'utf8')) as { name?: string };
    if (name) packages.set(name, folder);
  }
  return packages;
}

/**
 * Removes a worktree left half made by an interrupted or failed build, and git's record of it (a
 * record of a deleted folder would refuse the new worktree).
 */
async function discard(directory: string, repository: string): Promise<void> {
  await git(['worktree', 'remove', '--force', directory], repository).catch(() => {});
  await rm(directory, { recursive: true, force: true });
  await git(['worktree', 'prune'], repository);
}

/** Whether process `pid` is running (EPERM: it is, under another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Runs `work` holding `<directory>.lock`, so that two benches asking for the same commit at once
 * build it once: the second waits instead of discarding the first one's half-made worktree. A lock
 * whose process is gone is taken over.
 */
async function holdingBuildLock<T>(
  directory: string,
  waiting: () => void,
  work: () => Promise<T>,
): Promise<T> {
  const lock = `${directory}.lock`;
  await mkdir(path.dirname(lock), { recursive: true });
  for (let announced = false; ; ) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
    // 0 or NaN: the lock is being written (or was just removed); look again.
    if (holder > 0 && !running(holder)) {
      await rm(lock, { force: true });
      continue;
    }
    if (!announced) waiting();
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  try {
    return await work();
  } finally {
    await rm(lock, { force: true });
  }
}

/**
 * The worktree of `revision`, made, installed and built unless a previous run already did. Builds
 * `@worldkit/world` and those of `worldPackages` the revision has (an older one may lack a World).
 */
export async function ensureBaselineBuild(
  revision: string,
  options: { repository: string; worldPackages: readonly string[]; progress(line: string): void },
): Promise<BaselineBuild> {
  const { repository, worldPackages, progress } = options;
  const { sha, shortSha } = await resolveRevision(revision, repository);
  const directory = path.join(baselineCacheRoot(), sha);
  const build = { revision, sha, shortSha, directory };
  const reused = async () => {
    if (!(await exists(readyMarker(directory))) || !(await exists(directory))) return false;
    progress(`baseline ${shortSha}: reusing the build in ${directory}`);
    return true;
  };
  if (await reused()) return build;
  const waiting = () => progress(`baseline ${shortSha}: waiting for another bench building it`);
  return holdingBuildLock(directory, waiting, async () => {
    if (await reused()) return build;
    const started = performance.now();
    await rm(readyMarker(directory), { force: true });
    await discard(directory, repository);
    progress(`baseline ${shortSha}: checking out ${sha} into ${directory}`);
    await git(['worktree', 'add', '--detach', '--quiet', directory, sha], repository);
    progress(`baseline ${shortSha}: installing`);
    await quietly(
      'pnpm',
      ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'],
      directory,
    );
    const present = await workspacePackages(directory);
    const worlds = worldPackages.filter((name) => present.has(name));
    progress(`baseline ${shortSha}: building @worldkit/world, ${worlds.join(', ')}`);
    await quietly(
      'pnpm',
      [...['@worldkit/world...', ...worlds].flatMap((name) => ['--filter', name]), 'build'],
      directory,
    );
    await writeFile(readyMarker(directory), `${revision}\n`);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    progress(`baseline ${shortSha}: built in ${seconds} s`);
    return build;
  });
}
