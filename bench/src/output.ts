/** Where a run's report goes: `<out>/<start time><suffix>.md` and `.json`, printed as well. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function writeReportFiles(
  out: string | undefined,
  startedAt: Date,
  suffix: string,
  markdown: string,
  json: unknown,
): Promise<string> {
  const directory = path.resolve(
    out ?? path.join(import.meta.dirname, '..', '..', 'bench-results'),
  );
  await mkdir(directory, { recursive: true });
  const base = path.join(directory, `${startedAt.toISOString().replace(/[:.]/g, '-')}${suffix}`);
  await writeFile(`${base}.md`, markdown);
  await writeFile(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(markdown);
  return base;
}
