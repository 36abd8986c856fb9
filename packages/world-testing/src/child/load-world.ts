import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { World } from '@worldkit/world';

/** A World factory as a module exports it. */
export type WorldFactory = (options?: unknown) => World | Promise<World>;

/**
 * Imports a World module given as a path (absolute or relative to `cwd`) or a package name
 * resolved from `cwd`, as the runtime would find it.
 */
export async function importWorldModule(
  specifier: string,
  cwd = process.cwd(),
): Promise<Record<string, unknown>> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  if (isPath) return import(pathToFileURL(resolve(cwd, specifier)).href);
  try {
    const resolved = createRequire(join(cwd, 'index.js')).resolve(specifier);
    return await import(pathToFileURL(resolved).href);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    // An ESM-only package without a "require" condition: let Node's ESM resolver find it.
    return import(specifier);
  }
}

/** The factory: the named export, else `createWorld`, else a function default export. */
export function factoryOf(mod: Record<string, unknown>, exportName?: string): WorldFactory {
  const candidates = exportName
    ? [mod[exportName]]
    : [
        mod.createWorld,
        mod.default,
        (mod.default as Record<string, unknown> | undefined)?.createWorld,
      ];
  const factory = candidates.find((candidate) => typeof candidate === 'function');
  if (factory === undefined) {
    throw new Error(
      `the module exports no World factory (expected ${exportName ?? '`createWorld` or a default function'})`,
    );
  }
  return factory as WorldFactory;
}
