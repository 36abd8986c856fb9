/**
 * The smoke tests' way to run the bench: the built CLI in a child process, its report written to
 * a fresh folder and read back, JSON and markdown.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const cli = path.join(import.meta.dirname, '..', 'dist', 'cli.js');

export interface BenchRun<Report> {
  stdout: string;
  report: Report;
  markdown: string;
  /** Deletes the folder the report went to. */
  remove(): Promise<void>;
}

/** `kind` is the report's name ending (`-scale`, `-soak`; none for the default run). */
export async function runBenchCli<Report>(args: string[], kind = ''): Promise<BenchRun<Report>> {
  const out = await mkdtemp(path.join(tmpdir(), 'bench-smoke-'));
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args, '--out', out], {
    maxBuffer: 16 * 1024 * 1024,
  });
  const files = await readdir(out);
  const json = files.find((file) => file.endsWith(`${kind}.json`));
  const markdown = files.find((file) => file.endsWith(`${kind}.md`));
  expect(json, `no JSON report among ${files}`).toBeDefined();
  expect(markdown, `no markdown report among ${files}`).toBeDefined();
  return {
    stdout,
    report: JSON.parse(await readFile(path.join(out, json!), 'utf8')),
    markdown: await readFile(path.join(out, markdown!), 'utf8'),
    remove: () => rm(out, { recursive: true, force: true }),
  };
}
