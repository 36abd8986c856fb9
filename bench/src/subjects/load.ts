import type { World } from '@worldkit/world';
import { SubjectUnavailableError } from './types.js';

export type WorldFactory = (options?: Record<string, unknown>) => World;

/**
 * Imports a World package (or a built entry by its file: URL) and finds its factory the way the
 * runtime does (the module itself, its default export, then `createWorld`). A package that is not
 * installed yet makes the subject unavailable rather than failing the bench: Worlds land one by
 * one.
 */
export async function loadWorldFactory(
  specifier: string,
  exportName?: string,
): Promise<WorldFactory> {
  let loaded: any;
  try {
    loaded = await import(specifier);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const packageName = specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/');
    const bare = !specifier.startsWith('file:');
    if (bare && code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(packageName)) {
      throw new SubjectUnavailableError(
        `${specifier} is not installed: add it to bench/package.json once it is on main`,
      );
    }
    throw error;
  }
  const candidates = exportName
    ? [loaded?.[exportName], loaded?.default?.[exportName]]
    : [loaded, loaded?.default, loaded?.createWorld, loaded?.default?.createWorld];
  const factory = candidates.find((candidate) => typeof candidate === 'function');
  if (!factory) throw new Error(`${specifier} exports no World factory`);
  return factory as WorldFactory;
}

/** Calls `build` with `env` applied, for factories that read their configuration from env. */
export function withEnv<T>(env: Record<string, string>, build: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  try {
    return build();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
