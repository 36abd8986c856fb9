import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Layout } from '../src/fs/layout.js';
import type { LocalWorld } from '../src/index.js';
import { logsOpened } from './helpers/logs-opened.js';
import { runCreated, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();

async function createRuns(world: LocalWorld, names: string[]): Promise<string[]> {
  const runIds: string[] = [];
  for (const name of names)
    runIds.push((await world.events.create(null, runCreated(name))).run!.runId);
  return runIds;
}

/** Every page of a list, following cursors. */
async function allPages(
  world: LocalWorld,
  params: { workflowName?: string; status?: 'running' | 'pending' },
  sortOrder: 'asc' | 'desc',
  limit: number,
): Promise<string[]> {
  const runIds: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await world.runs.list({ ...params, pagination: { limit, sortOrder, cursor } });
    runIds.push(...page.data.map((run) => run.runId));
    if (!page.hasMore) return runIds;
    cursor = page.cursor!;
  }
}

describe('runs.list', () => {
  it('pages through one workflow name in creation order, both ways', async () => {
    const world = temp.world();
    const names = Array.from({ length: 23 }, (_, i) => (i % 3 === 0 ? 'w//a' : 'w//b'));
    const runIds = await createRuns(world, names);
    const ofA = runIds.filter((_, i) => names[i] === 'w//a');
    expect(await allPages(world, { workflowName: 'w//a' }, 'asc', 3)).toEqual(ofA);
    expect(await allPages(world, { workflowName: 'w//a' }, 'desc', 3)).toEqual(
      ofA.slice().reverse(),
    );
    expect(await allPages(world, {}, 'desc', 4)).toEqual(runIds.slice().reverse());
    expect(await allPages(world, { workflowName: 'w//none' }, 'desc', 3)).toEqual([]);
  });

  it('resumes a filtered list after a cursor naming a run of another filter', async () => {
    const world = temp.world();
    const names = ['w//a', 'w//b', 'w//a', 'w//b', 'w//a'];
    const runIds = await createRuns(world, names);
    const page = (sortOrder: 'asc' | 'desc') =>
      world.runs.list({ workflowName: 'w//a', pagination: { sortOrder, cursor: runIds[1] } });
    expect((await page('asc')).data.map((run) => run.runId)).toEqual([runIds[2], runIds[4]]);
    expect((await page('desc')).data.map((run) => run.runId)).toEqual([runIds[0]]);
  });

  it('lists only runs not known to be terminal for an active status', async () => {
    const world = temp.world();
    const runIds = await createRuns(world, Array(9).fill('w//a'));
    for (const [i, runId] of runIds.entries()) {
      await world.events.create(runId, { eventType: 'run_started', specVersion: 3 });
      if (i % 2 === 0)
        await world.events.create(runId, { eventType: 'run_cancelled', specVersion: 3 });
    }
    const running = runIds.filter((_, i) => i % 2 === 1);
    expect(await allPages(world, { status: 'running' }, 'asc', 2)).toEqual(running);
    expect(await allPages(world, { status: 'running' }, 'desc', 2)).toEqual(
      running.slice().reverse(),
    );
  });

  it('keeps workflow names with spaces, percent signs and line breaks apart', async () => {
    const dataDir = temp.dir();
    const names = ['w a', 'w%0A', 'w\nx', 'w\r\n%25 é'];
    const runIds = await createRuns(temp.world({ dataDir }), names);
    // A new process rebuilds the names from the journal.
    const fresh = temp.world({ dataDir });
    for (const [i, name] of names.entries()) {
      expect(await allPages(fresh, { workflowName: name }, 'asc', 10)).toEqual([runIds[i]]);
    }
  });

  it('finds runs by name in a journal written before its lines carried one', async () => {
    const dataDir = temp.dir();
    const names = ['w//a', 'w//b', 'w//a'];
    const older = await createRuns(temp.world({ dataDir }), names);
    const journal = new Layout(dataDir).runsJournal;
    fs.writeFileSync(journal, fs.readFileSync(journal, 'utf8').replace(/ .*$/gm, ''));
    const world = temp.world({ dataDir });
    const newer = await createRuns(world, ['w//a', 'w//b']);
    expect(await allPages(world, { workflowName: 'w//a' }, 'desc', 2)).toEqual([
      newer[0],
      older[2],
      older[0],
    ]);
    expect(await allPages(world, { workflowName: 'w//b' }, 'asc', 2)).toEqual([older[1], newer[1]]);
  });

  it("opens only the logs of its page's runs, however many runs of other names are stored", async () => {
    const logsOfRarePage = async (others: number) => {
      const dataDir = temp.dir();
      const world = temp.world({ dataDir });
      await createRuns(world, [...Array(5).fill('w//rare'), ...Array(others).fill('w//common')]);
      await world.close();
      // A cold process: no log is open or cached.
      const fresh = temp.world({ dataDir });
      return (await logsOpened(() => fresh.runs.list({ workflowName: 'w//rare' }))).length;
    };
    const small = await logsOfRarePage(5);
    expect(small).toBe(5);
    expect(await logsOfRarePage(300)).toBe(small);
  }, 60_000);
});
