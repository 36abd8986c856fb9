/**
 * A seed the World cannot read is a failed measurement: after seeding, a sample of clones is
 * read back through the World's own API and compared with their template read the same way,
 * moved to the clone's ids and times: the run, its whole event log, its steps, a step found
 * without its run id, and a live hook found by its token. Then runs.list must return full pages
 * of runs that match each filter the measurements use.
 */
import { isDeepStrictEqual } from 'node:util';
import type { World } from '@worldkit/world';
import { LIST_FILTERS, seededRun, WORKFLOW_NAMES } from '../plan.js';
import { compileTree } from './rewrite.js';
import { cloneMapping, type Template, type Templates } from './templates.js';

const PAGE = 100;

async function allPages<T>(list: (cursor?: string) => Promise<any>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    items.push(...page.data);
    cursor = page.hasMore ? page.cursor : undefined;
  } while (cursor);
  return items;
}

/** What a reader gets of one run through the API. */
async function viewOf(world: World, runId: string, token: string | undefined) {
  const steps = await allPages<{ stepId: string }>((cursor) =>
    world.steps.list({ runId, pagination: cursor ? { cursor } : {} } as any),
  );
  return {
    run: await world.runs.get(runId),
    events: await allPages((cursor) =>
      world.events.list({
        runId,
        pagination: cursor ? { cursor, sortOrder: 'asc' } : { sortOrder: 'asc' },
      } as any),
    ),
    steps,
    firstStepWithoutRun: steps[0] && (await world.steps.get(undefined, steps[0].stepId)),
    hookByToken: token === undefined ? undefined : await world.hooks.getByToken(token),
  };
}

/** The first place two values differ, for an error a reader can act on. */
function difference(actual: unknown, expected: unknown, at = ''): string | undefined {
  if (isDeepStrictEqual(actual, expected)) return undefined;
  if (
    actual !== null &&
    expected !== null &&
    typeof actual === 'object' &&
    typeof expected === 'object' &&
    !(actual instanceof Uint8Array) &&
    !(actual instanceof Date)
  ) {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    for (const key of keys) {
      const found = difference((actual as any)[key], (expected as any)[key], `${at}.${key}`);
      if (found) return found;
    }
  }
  return `${at || 'value'}: read ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`;
}

/** Clone numbers to read back: the first and last, the first live run, and a random spread. */
export function sampleClones(clones: number, size: number, random = Math.random): number[] {
  const picks = new Set([0, clones - 1, Math.min(100, clones - 1)]);
  while (picks.size < Math.min(size, clones)) picks.add(Math.floor(random() * clones));
  return [...picks].sort((a, b) => a - b);
}

function expectedMatches(templates: Templates, clones: number, match: (run: any) => boolean) {
  let count = templates.list.filter(({ run }) => match(run)).length;
  for (let n = 0; n < clones && count < PAGE; n++) if (match(seededRun(n))) count++;
  return Math.min(PAGE, count);
}

async function verifyFilters(world: World, templates: Templates, clones: number): Promise<void> {
  const workflow = WORKFLOW_NAMES.indexOf(LIST_FILTERS.workflowName);
  const filters = [
    { params: {}, match: () => true, check: () => true },
    {
      params: { status: LIST_FILTERS.status },
      match: (run: any) => run.kind === 'finished' && run.status === LIST_FILTERS.status,
      check: (run: any) => run.status === LIST_FILTERS.status,
    },
    {
      params: { workflowName: LIST_FILTERS.workflowName },
      match: (run: any) => run.workflow === workflow,
      check: (run: any) => run.workflowName === LIST_FILTERS.workflowName,
    },
  ];
  for (const { params, match, check } of filters) {
    const page = await world.runs.list({ ...params, resolveData: 'none' } as any);
    const expected = expectedMatches(templates, clones, match);
    if (page.data.length !== expected || !page.data.every(check)) {
      throw new Error(
        `runs.list(${JSON.stringify(params)}) returned ${page.data.length} runs ` +
          `(${page.data.filter(check).length} matching), expected ${expected} matching`,
      );
    }
  }
}

/** Throws unless `world` reads every sampled clone of the first `clones` as its template. */
export async function verifySeed(
  world: World,
  templates: Templates,
  clones: number,
  sample: number[],
): Promise<void> {
  const views = new Map<Template, Awaited<ReturnType<typeof viewOf>>>();
  for (const n of sample) {
    const mapping = cloneMapping(templates, n);
    const { template } = mapping;
    if (!views.has(template))
      views.set(template, await viewOf(world, template.runId, template.token));
    const expected = compileTree(views.get(template), template.texts, templates.window)(mapping);
    let actual: unknown;
    try {
      actual = await viewOf(world, mapping.runId, mapping.token);
    } catch (error) {
      throw new Error(`seeded run ${mapping.runId} (clone ${n}) cannot be read: ${error}`);
    }
    const found = difference(actual, expected);
    if (found) throw new Error(`seeded run ${mapping.runId} (clone ${n}) reads wrong at ${found}`);
  }
  await verifyFilters(world, templates, clones);
}
