/**
 * A seeded store of one World: its data (a schema, key prefix or directory of its own), the
 * template runs written through the World, and the seeder that grows it clone by clone. The
 * measurements open World instances on it as a subject like any other; closing them keeps the
 * data, `remove()` deletes it.
 */

import { opened } from '../subjects/opened.js';
import type { OpenedWorld, WorldStore, WorldSubject } from '../subjects/types.js';
import { clonesFor, liveRunsAmong, REFERENCE_RUNS, seededRun } from './plan.js';
import { createSeeder, type Seeder } from './seed/seeder.js';
import { cloneMapping, type Templates, writeTemplates } from './seed/templates.js';
import { sampleClones, verifySeed } from './seed/verify.js';

/**
 * Every World instance the bench opens on seeded data: no recovery at start (it would enqueue a
 * wake-up for every live run, which is what a restart costs, not what a store of this size
 * costs). Retention is off as well: `--scale` clears WORKFLOW_RETENTION, which would have the
 * World delete the seeded runs, all finished in the past.
 */
const WORLD_OPTIONS = { recoverActiveRuns: false };

/** What the measurements on a seeded store need to know of its data. */
export interface SeedFacts {
  finishedRuns: number;
  /** Tokens of live hooks the store holds, to look up. */
  liveTokens: string[];
}

export interface StoredSubject extends WorldSubject {
  seeded: SeedFacts;
}

export interface GrowthStep {
  finishedRuns: number;
  /** Runs written by this step (finished and live). */
  runs: number;
  seedSeconds: number;
  settleSeconds: number;
  verifySeconds: number;
  /** Bytes the backend counts for this step's runs, per run. */
  bytesPerRun: number;
}

/**
 * Live hooks looked up per store: as many as the reference store holds, so every store is asked
 * about the same number of distinct runs. With more on the larger stores, more lookups would be a
 * process's first touch of a run (reading its log), which costs the same at any size but would
 * show as growth.
 */
const LOOKUP_TOKENS = liveRunsAmong(clonesFor(REFERENCE_RUNS));

/** Live tokens to look up: up to `count` spread over the store, and the templates'. */
function liveTokens(templates: Templates, clones: number, count: number): string[] {
  const live = liveRunsAmong(clones);
  const tokens = templates.list.flatMap((template) => (template.token ? [template.token] : []));
  for (let index = 0; index < Math.min(count, live); index++) {
    const block = Math.floor((index * live) / Math.min(count, live));
    const n = block * 101 + 100;
    if (seededRun(n).kind !== 'live') throw new Error(`clone ${n} is not a live run`);
    tokens.push(cloneMapping(templates, n).token!);
  }
  return tokens;
}

export class SeededStore {
  private clones = 0;
  private finished = 0;
  private shut = false;

  private constructor(
    readonly subject: WorldSubject,
    readonly store: WorldStore,
    readonly templates: Templates,
    private readonly seeder: Seeder,
  ) {}

  /** A new store of `subject`'s World with the templates written, ready to grow. */
  static async create(
    subject: WorldSubject,
    label: string,
    maxFinishedRuns: number,
  ): Promise<SeededStore> {
    const store = await subject.createStore!(label);
    try {
      const world = opened(store.world({ worldOptions: WORLD_OPTIONS }), async () => {});
      let templates: Templates;
      try {
        templates = await writeTemplates(world, clonesFor(maxFinishedRuns));
      } finally {
        await world.close();
      }
      const seeder = await createSeeder(store.location, templates);
      return new SeededStore(subject, store, templates, seeder);
    } catch (error) {
      await store.remove();
      throw error;
    }
  }

  get finishedRuns(): number {
    return this.finished;
  }

  /** A new World instance on this data; `worldOptions` adds to (or overrides) the bench's. */
  openWorld(queueBaseUrl?: string, worldOptions: Record<string, unknown> = {}): OpenedWorld {
    if (this.shut) throw new Error('this store is being removed');
    return opened(
      this.store.world({
        worldOptions: { ...WORLD_OPTIONS, ...worldOptions },
        ...(queueBaseUrl ? { queueBaseUrl } : {}),
      }),
      async () => {},
    );
  }

  /** Seeds up to `finishedRuns`, then reads a sample back through the World. */
  async growTo(finishedRuns: number, progress: (line: string) => void): Promise<GrowthStep> {
    const target = clonesFor(finishedRuns);
    const bytesBefore = await this.seeder.bytes();
    let started = performance.now();
    let lastLine = started;
    await this.seeder.grow(this.clones, target, (line) => {
      // A line every 10 s at most: enough to see a long seeding move.
      if (performance.now() - lastLine > 10_000) {
        lastLine = performance.now();
        progress(line);
      }
    });
    const seedSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await this.seeder.settle();
    const settleSeconds = (performance.now() - started) / 1000;
    const runs = target - this.clones;
    const bytesPerRun = (await this.seeder.bytes()) - bytesBefore;
    this.clones = target;
    this.finished = finishedRuns;

    started = performance.now();
    const world = this.openWorld();
    try {
      await verifySeed(world.world, this.templates, target, sampleClones(target, 25));
    } finally {
      await world.close();
    }
    return {
      finishedRuns,
      runs,
      seedSeconds,
      settleSeconds,
      verifySeconds: (performance.now() - started) / 1000,
      bytesPerRun: bytesPerRun / runs,
    };
  }

  /** The store as a subject of the measurements: each open is a new instance on this data. */
  measured(id: string): StoredSubject {
    const store = this;
    return {
      kind: 'world',
      id,
      label: `${this.subject.label}, ${this.finished.toLocaleString('en-US')} runs stored`,
      backend: this.subject.backend,
      family: this.subject.family,
      seeded: {
        finishedRuns: this.finished,
        liveTokens: liveTokens(this.templates, this.clones, LOOKUP_TOKENS),
      },
      async open({ queueBaseUrl }) {
        return store.openWorld(queueBaseUrl);
      },
    };
  }

  /** No World instance is opened on this store from now on: it is about to be removed. */
  shutDown(): void {
    this.shut = true;
  }

  async remove(): Promise<void> {
    this.shutDown();
    try {
      await this.seeder.close();
    } finally {
      await this.store.remove();
    }
  }
}
