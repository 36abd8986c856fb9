/**
 * `pnpm bench --soak`: every selected Worldkit World, one after another, under a steady load
 * with and without a retention policy side by side (`run.ts`). One report:
 * bench-results/<timestamp>-soak.md and .json.
 */
import { type CliOptions, selected } from '../args.js';
import { describeMachine, loadAverage } from '../machine.js';
import { writeReportFiles } from '../output.js';
import type { WorldSubject } from '../subjects/types.js';
import { worldkitLocal, worldkitPostgres, worldkitRedis } from '../subjects/worlds.js';
import { soakPlan } from './plan.js';
import { renderSoakMarkdown, type SoakReport } from './report.js';
import { type SoakWorld, soakWorld } from './run.js';

const SOAK_WORLDS: WorldSubject[] = [worldkitPostgres, worldkitRedis, worldkitLocal];

export async function soakCommand(
  options: CliOptions,
  argv: string[],
  { progress, guardProcess }: { progress(line: string): void; guardProcess(): void },
): Promise<number> {
  const worlds = selected(SOAK_WORLDS, options.subjects, 'subject');
  const plan = soakPlan(options);
  if (options.list) {
    for (const world of worlds) process.stdout.write(`soak  ${world.id}\n`);
    return 0;
  }
  // The variant without retention must not pick a policy up from the environment.
  delete process.env.WORKFLOW_RETENTION;

  const startedAt = new Date();
  const started = performance.now();
  const machine = await describeMachine();
  progress(
    `bench --soak (${plan.name}): ${worlds.length} Worlds, ${plan.durationMs / 1000} s each at ` +
      `${plan.rate} runs/s with and without retention; load average ${machine.loadAverage.join(' ')}`,
  );
  guardProcess();

  const results: SoakWorld[] = [];
  for (const world of worlds) {
    progress(`${world.id}`);
    results.push(await soakWorld(world, plan, progress));
  }

  machine.loadAverageEnd = loadAverage();
  const report: SoakReport = {
    startedAt: startedAt.toISOString(),
    wallSeconds: (performance.now() - started) / 1000,
    machine,
    command: `pnpm bench ${argv.join(' ')}`.trim(),
    plan,
    worlds: results,
  };
  const output = await writeReportFiles(
    options.out,
    startedAt,
    '-soak',
    renderSoakMarkdown(report),
    report,
  );
  progress(`wrote ${output}.{md,json} in ${Math.round(report.wallSeconds)} s`);
  return results.some((world) => world.failure) ? 1 : 0;
}
