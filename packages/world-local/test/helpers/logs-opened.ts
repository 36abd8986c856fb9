import fs from 'node:fs';
import path from 'node:path';
import { vi } from 'vitest';

/** The runs whose logs `fs.openSync` opened while `body` ran, one entry per open. */
export async function logsOpened(body: () => Promise<unknown>): Promise<string[]> {
  const opened: string[] = [];
  const original = fs.openSync;
  const spy = vi.spyOn(fs, 'openSync').mockImplementation(((file: fs.PathLike, ...rest: []) => {
    if (String(file).endsWith('.log')) opened.push(path.basename(String(file), '.log'));
    return (original as (...args: unknown[]) => number)(file, ...rest);
  }) as typeof fs.openSync);
  try {
    await body();
  } finally {
    spy.mockRestore();
  }
  return opened;
}
