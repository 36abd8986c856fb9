/** The command line: flags, their checks, and picking subjects and measurements by id. */
import { parseArgs } from 'node:util';
import { parseBaselineSubjectId } from './baseline/ids.js';
import { parseSizes } from './growth/plan.js';
import { parseDuration } from './soak/plan.js';

export const USAGE = `Usage: pnpm bench [options]

  --quick                 smoke run: 2 short rounds, 200 stored runs (numbers not worth quoting)
  --subjects a,b,…        subjects to run (default: all); see --list
  --measurements a,b,…    measurements to run (default: all); see --list
  --baseline REV          also measure the Worldkit Worlds built at git revision REV, as
                          subjects <world>@<short sha> (e.g. worldkit-postgres@cf488a0)
  --rounds N              interleaved rounds after the warm-up
  --window-ms N           throughput window length
  --stored-runs N         runs stored before the second hook measurement
  --out DIR               where the .md and .json go (default: bench-results at the repo root)
  --list                  print subjects and measurements and exit
  --help

  --scale                 instead of the run above: every Worldkit World at 100k and 1M stored
                          finished runs against a 2,000-run reference store, then the runtime
                          by workflow shape (see bench/README.md); --quick: 10k runs only
  --sizes N,N,…           with --scale: the stored sizes in finished runs (e.g. 10k,50k)

  --soak                  instead: a steady load of short runs on every Worldkit World, with and
                          without a retention policy side by side, the stores' size sampled over
                          time (see bench/README.md); --quick: 10 s per World
  --duration AGE          with --soak: how long each World is driven (e.g. 60s, 3m; default 210s)
  --rate N                with --soak: runs started per second, per variant (default 50)
`;

export interface CliOptions {
  quick: boolean;
  scale: boolean;
  sizes?: number[];
  soak: boolean;
  durationMs?: number;
  rate?: number;
  list: boolean;
  help: boolean;
  subjects?: string;
  measurements?: string;
  baseline?: string;
  rounds?: number;
  windowMs?: number;
  storedRuns?: number;
  out?: string;
}

const positive = (value: string | undefined, flag: string): number | undefined => {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`${flag} needs a positive integer`);
  return number;
};

/** A revision is handed to git: refuse what git would read as an option, or as several words. */
function revision(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value === '' || value.startsWith('-') || /\s/.test(value)) {
    throw new Error(`--baseline needs a git revision (a commit, branch or tag), got "${value}"`);
  }
  return value;
}

export function parseCliArgs(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      scale: { type: 'boolean' },
      sizes: { type: 'string' },
      soak: { type: 'boolean' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      subjects: { type: 'string' },
      measurements: { type: 'string' },
      baseline: { type: 'string' },
      rounds: { type: 'string' },
      'window-ms': { type: 'string' },
      'stored-runs': { type: 'string' },
      out: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.sizes !== undefined && values.scale !== true) {
    throw new Error('--sizes needs --scale');
  }
  if ((values.duration !== undefined || values.rate !== undefined) && values.soak !== true) {
    throw new Error('--duration and --rate need --soak');
  }
  if (values.soak === true && values.scale === true) {
    throw new Error('--soak and --scale are separate runs: pick one');
  }
  return {
    quick: values.quick === true,
    scale: values.scale === true,
    sizes: values.sizes === undefined ? undefined : parseSizes(values.sizes),
    soak: values.soak === true,
    durationMs: values.duration === undefined ? undefined : parseDuration(values.duration),
    rate: positive(values.rate, '--rate'),
    list: values.list === true,
    help: values.help === true,
    subjects: values.subjects,
    measurements: values.measurements,
    baseline: revision(values.baseline),
    rounds: positive(values.rounds, '--rounds'),
    windowMs: positive(values['window-ms'], '--window-ms'),
    storedRuns: positive(values['stored-runs'], '--stored-runs'),
    out: values.out,
  };
}

/** The items named in `wanted` (comma-separated ids), in `all`'s order; all when none named. */
export function selected<T extends { id: string }>(
  all: T[],
  wanted: string | undefined,
  what: string,
): T[] {
  if (!wanted) return all;
  const ids = wanted
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of ids) {
    if (!all.some((item) => item.id === id)) {
      const hint = parseBaselineSubjectId(id)
        ? ` (a baseline subject exists only with --baseline <its revision>)`
        : '';
      throw new Error(
        `unknown ${what} "${id}"${hint}; known: ${all.map((item) => item.id).join(', ')}`,
      );
    }
  }
  return all.filter((item) => ids.includes(item.id));
}
