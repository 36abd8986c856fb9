/**
 * The full-size race command: `pnpm --filter e2e race -- --runs 2000 --worlds postgres,redis`.
 * Runs the hook/sleep race and the step storm on each World across several app processes and
 * prints, per World: runs, completed, failed, corrupted, divergences, refusals and wall time.
 * Exits non-zero if any run was corrupted, diverged, failed or returned a wrong result.
 */
import { parseArgs } from 'node:util';
import { ensureWorkflowsBuilt } from '../harness/build-workflows.js';
import { TestDeployment } from '../harness/deployment.js';
import { selectedTargets } from '../harness/targets.js';
import { ciRaceOptions, type RaceReport, runRace } from './driver.js';
import { describeOptions, raceDetails, raceTable } from './report.js';

// `pnpm race -- --runs 2000` passes the `--` separator through: drop it so the flags parse.
const args = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
const { values } = parseArgs({
  args,
  options: {
    worlds: { type: 'string' },
    runs: { type: 'string' },
    'hook-runs': { type: 'string' },
    'storm-runs': { type: 'string' },
    processes: { type: 'string' },
    rounds: { type: 'string' },
    'sleep-ms': { type: 'string' },
    burst: { type: 'string' },
    'jitter-ms': { type: 'string' },
    'storm-width': { type: 'string' },
    'storm-waves': { type: 'string' },
    concurrency: { type: 'string' },
  },
});

const number = (name: keyof typeof values, fallback: number) =>
  values[name] === undefined ? fallback : Number(values[name]);

const defaults = ciRaceOptions();
const runs = number('runs', defaults.hookRuns + defaults.stormRuns);
const options = {
  // --runs splits two thirds hook races, one third step storms.
  hookRuns: number('hook-runs', Math.ceil((runs * 2) / 3)),
  stormRuns: number('storm-runs', Math.floor(runs / 3)),
  processes: number('processes', defaults.processes),
  rounds: number('rounds', defaults.rounds),
  sleepMs: number('sleep-ms', defaults.sleepMs),
  burst: number('burst', defaults.burst),
  jitterMs: number('jitter-ms', defaults.jitterMs),
  stormWidth: number('storm-width', defaults.stormWidth),
  stormWaves: number('storm-waves', defaults.stormWaves),
  concurrency: number('concurrency', Math.max(defaults.concurrency, 100)),
};

// Interrupted: stop the app processes and remove the World's storage before exiting.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping the app processes and removing the test storage`);
    void TestDeployment.closeAll().finally(() => process.exit(130));
  });
}

ensureWorkflowsBuilt();
const reports: RaceReport[] = [];
for (const target of selectedTargets(values.worlds)) {
  const processes = target.multiProcess ? options.processes : 1;
  console.log(`${target.name}: ${describeOptions({ ...options, processes })}`);
  const report = await runRace(target, { ...options, processes }, 'race-cli', (done, total) =>
    console.log(`  ${target.name}: ${done}/${total} runs finished`),
  );
  console.log(raceDetails(report));
  reports.push(report);
}
console.log(`\n${raceTable(reports)}`);
const bad = reports.filter((r) => r.failed > 0 || r.wrongResults > 0);
process.exit(bad.length > 0 ? 1 : 0);
