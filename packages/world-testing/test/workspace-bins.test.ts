import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// Package managers link every bin when they install the workspace, before anything is built: a
// bin that points into a build output makes a fresh `pnpm install` warn, and its command is
// missing until the next install.
const root = fileURLToPath(new URL('../../..', import.meta.url));
const tracked = new Set(
  execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean),
);
const manifests = [...tracked].filter((path) => path.endsWith('package.json'));

describe('bins of the workspace packages', () => {
  const bins = manifests.flatMap((manifestPath) => {
    const manifest = JSON.parse(readFileSync(join(root, manifestPath), 'utf8'));
    const entries: [string, string][] =
      typeof manifest.bin === 'string'
        ? [[manifest.name, manifest.bin]]
        : Object.entries(manifest.bin ?? {});
    return entries.map(([name, target]) => ({
      name,
      path: normalize(join(dirname(manifestPath), target)),
      files: manifest.files as string[] | undefined,
      target: normalize(target),
    }));
  });

  test('the workspace has bins to check', () => {
    expect(bins.map((bin) => bin.name)).toEqual(
      expect.arrayContaining(['worldkit-conformance', 'worldkit-postgres']),
    );
  });

  test.each(bins)('$name points at a committed file, published with the package', (bin) => {
    expect(tracked.has(bin.path), `${bin.path} is not a file in git`).toBe(true);
    if (bin.files !== undefined) {
      expect(bin.files).toContain(bin.target.split('/')[0]);
    }
  });
});
