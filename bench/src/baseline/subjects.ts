/**
 * The baseline's subjects: each Worldkit World the baseline build has, loaded from that build by
 * absolute path and measured with the very isolation the current subjects use.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadWorldFactory } from '../subjects/load.js';
import { pgbenchAppendEventSubject } from '../subjects/pgbench-append-event.js';
import type { Subject } from '../subjects/types.js';
import { WORLDKIT_WORLDS } from '../subjects/worlds.js';
import { baselineSubjectId } from './ids.js';
import { type BaselineBuild, workspacePackages } from './worktree.js';

type Exports = string | { [condition: string]: Exports } | undefined;

/** The target `exports["."]` gives under `condition` (nested conditions end at `default`). */
function exportTarget(exports: Exports, condition: 'import' | 'require'): string | undefined {
  if (exports === undefined || typeof exports === 'string') return exports;
  return exportTarget(exports[condition], condition) ?? exportTarget(exports.default, condition);
}

/**
 * A package's entry for ESM `import` or for `require`, as an absolute path. Node resolves a bare
 * name only from where the importer lives, and the baseline's packages are not installed here.
 */
export async function packageEntry(
  folder: string,
  condition: 'import' | 'require',
): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(folder, 'package.json'), 'utf8'));
  const exports: Exports =
    typeof manifest.exports === 'object' && '.' in manifest.exports
      ? manifest.exports['.']
      : manifest.exports;
  const target =
    exportTarget(exports, condition) ??
    (condition === 'import' ? manifest.module : undefined) ??
    manifest.main;
  if (!target) throw new Error(`${folder}/package.json names no entry for ${condition}`);
  return path.resolve(folder, target);
}

export async function baselineSubjects(build: BaselineBuild): Promise<Subject[]> {
  const packages = await workspacePackages(build.directory);
  const subjects: Subject[] = [];
  for (const world of WORLDKIT_WORLDS) {
    const folder = packages.get(world.packageName);
    if (!folder) continue;
    const moduleEntry = await packageEntry(folder, 'import');
    const runtimeEntry = await packageEntry(folder, 'require');
    subjects.push(
      world.subject({
        id: baselineSubjectId(world.id, build.shortSha),
        label: `${world.packageName} at ${build.shortSha}`,
        family: 'baseline',
        load: () => loadWorldFactory(pathToFileURL(moduleEntry).href),
        runtimeModule: () => runtimeEntry,
      }),
    );
  }
  // The server-side reference with the baseline's append_event(): its own migrations.
  const postgres = packages.get('@worldkit/world-postgres');
  if (postgres) {
    subjects.push(
      pgbenchAppendEventSubject({
        id: baselineSubjectId('pgbench-append-event', build.shortSha),
        label: `pgbench (append_event at ${build.shortSha})`,
        migrations: path.join(postgres, 'sql'),
      }),
    );
  }
  return subjects;
}
