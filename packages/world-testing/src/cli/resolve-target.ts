import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** The World module the CLI checks. */
export interface Target {
  /** Absolute path of the module file. */
  path: string;
  /** What the user named. */
  label: string;
}

/** A place the module was looked for, and why it is not there. */
interface Attempt {
  path: string;
  problem: string;
}

// The conditions Node applies when it resolves `import '<package>'`.
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/**
 * The module file an argument names, as `import` would find it from `cwd`: a file; a package
 * folder, through its package.json `exports` or `main`; or a package name, looked up in the
 * node_modules folders above `cwd`. A bare relative path (`dist/index.js`) is a path when it
 * exists, else a package name. Throws an error listing every place it looked.
 */
export function resolveTarget(argument: string, cwd: string): Target {
  const attempts: Attempt[] = [];
  const path = resolve(cwd, argument);
  const isPath = argument.startsWith('.') || isAbsolute(argument) || existsSync(path);
  if (!isPath) attempts.push({ path, problem: 'no such file or folder' });
  const file = !isPath
    ? installedPackageEntry(argument, cwd, attempts)
    : isDirectory(path)
      ? packageEntry(path, '.', attempts)
      : fileEntry(path, attempts);
  if (file !== undefined) return { path: file, label: argument };
  throw new Error(
    [
      `cannot find the World module "${argument}"; tried`,
      ...attempts.map((attempt) => `  ${attempt.path}: ${attempt.problem}`),
    ].join('\n'),
  );
}

function fileEntry(path: string, attempts: Attempt[]): string | undefined {
  if (isFile(path)) return path;
  attempts.push({ path, problem: 'no such file or folder' });
  return undefined;
}

/** A package name (with an optional subpath) in the node_modules folders above `cwd`. */
function installedPackageEntry(
  specifier: string,
  cwd: string,
  attempts: Attempt[],
): string | undefined {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const subpath = ['.', ...parts.slice(nameLength)].join('/');
  for (let directory = cwd; ; directory = dirname(directory)) {
    const folder = join(directory, 'node_modules', name);
    if (isDirectory(folder)) return packageEntry(folder, subpath, attempts);
    attempts.push({ path: folder, problem: `no package ${name} installed here` });
    if (dirname(directory) === directory) return undefined;
  }
}

/** The file `import` loads for `subpath` of the package in `folder`. */
function packageEntry(folder: string, subpath: string, attempts: Attempt[]): string | undefined {
  const manifestPath = join(folder, 'package.json');
  let manifest: { exports?: unknown; main?: unknown } = {};
  if (isFile(manifestPath)) {
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (error) {
      attempts.push({ path: manifestPath, problem: `unreadable: ${(error as Error).message}` });
      return undefined;
    }
  }
  if (manifest.exports !== undefined) {
    const target = conditionTarget(subpathTarget(manifest.exports, subpath));
    if (target === undefined) {
      attempts.push({
        path: manifestPath,
        problem: `"exports" has no "import", "node" or "default" entry for "${subpath}"`,
      });
      return undefined;
    }
    const file = join(folder, target);
    if (isFile(file)) return file;
    attempts.push({
      path: file,
      problem: `no such file (package.json "exports" of "${subpath}"; is the package built?)`,
    });
    return undefined;
  }
  if (subpath !== '.') return fileEntry(join(folder, subpath), attempts);
  // Without "exports": "main" (as a file, with .js, or as a folder), then index.js.
  const main = typeof manifest.main === 'string' ? join(folder, manifest.main) : undefined;
  const candidates = [
    ...(main === undefined ? [] : [main, `${main}.js`, join(main, 'index.js')]),
    join(folder, 'index.js'),
  ];
  const file = candidates.find(isFile);
  if (file !== undefined) return file;
  attempts.push({
    path: folder,
    problem: `no package.json "exports", and none of ${candidates.join(', ')} exists${main === undefined ? '' : ' (is the package built?)'}`,
  });
  return undefined;
}

/** The entry of `exports` for a subpath: a subpath map's key, or the whole value for ".". */
function subpathTarget(exports: unknown, subpath: string): unknown {
  const isSubpathMap =
    typeof exports === 'object' &&
    exports !== null &&
    !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith('.'));
  if (isSubpathMap) return (exports as Record<string, unknown>)[subpath];
  return subpath === '.' ? exports : undefined;
}

/** The first target that matches the import conditions, in the object's key order. */
function conditionTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (Array.isArray(entry)) {
    for (const alternative of entry) {
      const target = conditionTarget(alternative);
      if (target !== undefined) return target;
    }
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  for (const [condition, value] of Object.entries(entry)) {
    if (!IMPORT_CONDITIONS.has(condition)) continue;
    const target = conditionTarget(value);
    if (target !== undefined) return target;
  }
  return undefined;
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}
