import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, dropSchema, randomSchema } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/close-while-listening.mjs', import.meta.url));
const schema = randomSchema();

afterAll(() => dropSchema(schema));

describe('close()', () => {
  it('keeps the process alive until its LISTEN connection has ended', {
    timeout: 60_000,
  }, async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      execFile(process.execPath, [fixture, DATABASE_URL, schema], (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr }),
      );
    });
    // 13: the event loop emptied while close() was still awaited at the top level.
    expect({ code, stdout: stdout.trim() }, stderr).toEqual({ code: 0, stdout: 'closed' });
  });
});
