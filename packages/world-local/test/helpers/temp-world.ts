import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createWorld, type LocalWorld, type LocalWorldOptions } from '../../src/index.js';

/** Temp data directories and Worlds of one test file, removed and closed after each test. */
export function useTempWorlds() {
  const dirs: string[] = [];
  const worlds: LocalWorld[] = [];
  afterEach(async () => {
    await Promise.all(worlds.splice(0).map((world) => world.close()));
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'world-local-'));
      dirs.push(dir);
      return dir;
    },
    world(options: LocalWorldOptions = {}): LocalWorld {
      const world = createWorld({ dataDir: options.dataDir ?? this.dir(), ...options });
      worlds.push(world);
      return world;
    },
  };
}

export const bytes = (text: string) => new TextEncoder().encode(text);

export function runCreated(workflowName = 'workflow//./src/w//main') {
  return {
    eventType: 'run_created' as const,
    specVersion: 3,
    eventData: { deploymentId: 'dpl_test', workflowName, input: bytes('input') },
  };
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
