import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runCreated, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();

/**
 * File-system calls that touch paths, counted by name while `body` runs. Lock files are left out:
 * whether a write re-creates its run's lock or reuses it depends on timing (locks are kept for a
 * few milliseconds), and either way it is one file, never a scan.
 */
const COUNTED = [
  'openSync',
  'readFileSync',
  'writeFileSync',
  'appendFileSync',
  'readdirSync',
  'opendirSync',
  'statSync',
  'existsSync',
  'linkSync',
  'unlinkSync',
  'renameSync',
  'readdir',
  'opendir',
] as const;

async function countCalls(body: () => Promise<unknown>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const spies = COUNTED.map((name) => {
    const original = (fs as any)[name] as (...args: unknown[]) => unknown;
    return vi.spyOn(fs as any, name).mockImplementation((...args: unknown[]) => {
      const target = String(args[0]);
      if (!target.includes(`${path.sep}locks${path.sep}`)) counts[name] = (counts[name] ?? 0) + 1;
      return original(...args);
    });
  });
  try {
    await body();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return counts;
}

/** File-system calls of creating a hook, looking it up by token and by id, in a store of `runs` runs. */
async function hookCosts(runs: number) {
  const dataDir = temp.dir();
  const world = temp.world({ dataDir });
  for (let i = 0; i < runs; i++) {
    const { run } = await world.events.create(null, runCreated());
    await world.events.create(run!.runId, {
      eventType: 'hook_created',
      correlationId: `hook_${i}`,
      specVersion: 3,
      eventData: { token: `token-${i}` },
    });
  }
  const runId = (await world.events.create(null, runCreated())).run!.runId;
  // Measure from a cold start, as a fresh process would: nothing cached, no descriptor open.
  await world.close();
  const fresh = temp.world({ dataDir });
  const create = await countCalls(() =>
    fresh.events.create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_measured',
      specVersion: 3,
      eventData: { token: 'measured' },
    }),
  );
  const byToken = await countCalls(() => fresh.hooks.getByToken('measured'));
  const byId = await countCalls(() => fresh.hooks.get('hook_measured'));
  const conflict = await countCalls(() =>
    fresh.events.create(runId, {
      eventType: 'hook_created',
      correlationId: 'hook_conflicting',
      specVersion: 3,
      eventData: { token: 'token-0' },
    }),
  );
  return { create, byToken, byId, conflict };
}

describe('no scans on hot paths', () => {
  it('hook creation and lookups touch the same files with 1 or 1,500 runs stored', async () => {
    const small = await hookCosts(1);
    const large = await hookCosts(1500);
    expect(large).toEqual(small);
    for (const counts of Object.values(large)) {
      expect(counts.readdirSync ?? 0).toBe(0);
      expect(counts.opendirSync ?? 0).toBe(0);
      expect(counts.readdir ?? 0).toBe(0);
    }
    // The counters see the calls at all (a spy that never fires would make this test vacuous).
    expect(large.create.openSync).toBeGreaterThan(0); // the token claim
    expect(large.byToken.readFileSync).toBe(1);
  }, 120_000);
});
