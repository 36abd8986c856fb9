import fs from 'node:fs';

/** Flushes a folder's entries (a file created or removed in it) to stable storage. */
export function syncDirectory(folder: string): void {
  const fd = fs.openSync(folder, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
