import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { allEvents } from '@worldkit/world-testing';
import { describe, expect, it } from 'vitest';
import { Layout } from '../src/fs/layout.js';
import { createWorld, type LocalWorld, listQueuedMessages } from '../src/index.js';
import { useChildren } from './helpers/child.js';
import { logsOpened } from './helpers/logs-opened.js';
import { bytes, eventually, runCreated, useTempWorlds } from './helpers/temp-world.js';

const temp = useTempWorlds();
const startChild = useChildren();
const bin = fileURLToPath(new URL('../bin/worldkit-local.cjs', import.meta.url));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function append(world: LocalWorld, runId: string, event: Record<string, unknown>) {
  return world.events.create(runId, { specVersion: 3, ...event } as never);
}

/** Waits until the clock has passed the run's completion: `olderThan: 0` then qualifies it. */
async function pastCompletion(world: LocalWorld, runId: string): Promise<void> {
  const completedAt = (await world.runs.get(runId)).completedAt!.getTime();
  while (Date.now() <= completedAt) await sleep(1);
}

/** A run with one of everything on disk: a step, a hook, a stream, queue messages; ended by `end`. */
async function ownerRun(
  world: LocalWorld,
  end: 'run_completed' | 'run_cancelled' | 'running' = 'run_completed',
) {
  const runId = (await world.events.create(null, runCreated())).run!.runId;
  const stepId = `step_${runId}`;
  const hookId = `hook_${runId}`;
  const token = `token:${runId}`;
  const stream = `strm_${runId}_user`;
  await append(world, runId, { eventType: 'run_started' });
  await append(world, runId, {
    eventType: 'step_created',
    correlationId: stepId,
    eventData: { stepName: 's', input: bytes('in') },
  });
  await append(world, runId, {
    eventType: 'step_started',
    correlationId: stepId,
    eventData: { stepName: 's' },
  });
  await append(world, runId, {
    eventType: 'hook_created',
    correlationId: hookId,
    eventData: { token, isWebhook: false },
  });
  await world.writeToStream(stream, runId, 'chunk');
  await world.queue('__wkf_workflow_retention', { runId }, { idempotencyKey: `wf-${runId}` });
  await world.queue(
    '__wkf_step_s',
    { workflowName: 'w', workflowRunId: runId, workflowStartedAt: 0, stepId },
    { idempotencyKey: `step-${runId}` },
  );
  if (end === 'run_cancelled') {
    await append(world, runId, { eventType: 'run_cancelled' });
  } else if (end === 'run_completed') {
    await append(world, runId, {
      eventType: 'step_completed',
      correlationId: stepId,
      eventData: { stepName: 's', result: bytes('out') },
    });
    await append(world, runId, { eventType: 'run_completed', eventData: { output: bytes('o') } });
  }
  return { runId, stepId, hookId, token, stream };
}

type Owned = Awaited<ReturnType<typeof ownerRun>>;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** Every file of the data directory that is the run's, or names it, or mentions it. */
function traces(dataDir: string, owned: Owned): string[] {
  const layout = new Layout(dataDir);
  const found = filesUnder(dataDir).filter(
    (file) =>
      file.includes(owned.runId) ||
      // The append-only journals shared by every run keep a pruned run's lines (see Indexes);
      // the queue journal keeps acknowledged messages until it is compacted.
      (![layout.runsJournal, layout.queueJournal].includes(file) &&
        !file.startsWith(layout.correlations) &&
        fs.readFileSync(file, 'latin1').includes(owned.runId)),
  );
  for (const file of [layout.tokenClaim(owned.token), layout.streamChunks(owned.stream)]) {
    if (fs.existsSync(file)) found.push(file);
  }
  const keys = listQueuedMessages({ dataDir }).map((message) => message.idempotencyKey);
  for (const key of [`wf-${owned.runId}`, `step-${owned.runId}`]) {
    if (keys.includes(key)) found.push(`queue message ${key}`);
  }
  return found;
}

describe('retention', () => {
  it('a pruned run leaves no file behind, only its lines in the shared journals', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const owned = await ownerRun(world);
    const cancelled = await ownerRun(world, 'run_cancelled');
    const layout = new Layout(dataDir);
    expect(traces(dataDir, owned)).toEqual(
      expect.arrayContaining([layout.runLog(owned.runId), layout.streamsOfRun(owned.runId)]),
    );
    const marker = filesUnder(layout.finished).find((file) => file.endsWith(`_${owned.runId}`));
    expect(marker, 'a finished run has a marker in the finished index').toBeDefined();
    await pastCompletion(world, cancelled.runId);

    const report = await world.prune!({ olderThan: 0 });
    expect(report.runs).toBe(2);
    await world.close();
    for (const run of [owned, cancelled]) expect(traces(dataDir, run)).toEqual([]);
    const journal = fs.readFileSync(layout.runsJournal, 'utf8');
    expect(journal).toContain(`x${owned.runId}\n`);
  });

  it('running and recently finished runs keep every byte', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const running = await ownerRun(world, 'running');
    const recent = await ownerRun(world);
    await pastCompletion(world, recent.runId);
    const layout = new Layout(dataDir);
    const snapshot = () =>
      filesUnder(dataDir)
        .filter((file) => !file.startsWith(layout.locks))
        .map((file) => [file, fs.readFileSync(file).toString('base64')]);
    const before = snapshot();
    expect((await world.prune!({ olderThan: '1h' })).runs).toBe(0);
    expect((await world.prune!({ olderThan: 0, dryRun: true })).runIds).toEqual([recent.runId]);
    expect(snapshot()).toEqual(before);
    expect((await world.prune!({ olderThan: 0 })).runs).toBe(1);
    expect((await world.runs.get(running.runId)).status).toBe('running');
    expect(listQueuedMessages({ dataDir }).map((message) => message.idempotencyKey)).toEqual([
      `wf-${running.runId}`,
      `step-${running.runId}`,
    ]);
  });

  it('finding what to prune reads no log of a run that does not qualify', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const old: string[] = [];
    for (let i = 0; i < 5; i++) old.push((await ownerRun(world)).runId);
    await pastCompletion(world, old.at(-1)!);
    const boundary = Date.now();
    await sleep(10);
    const recent: string[] = [];
    for (let i = 0; i < 20; i++) recent.push((await ownerRun(world)).runId);
    for (let i = 0; i < 5; i++) await ownerRun(world, 'running');
    // A cold process: no log is open or cached, so every log a prune reads is opened.
    await world.close();
    const fresh = temp.world({ dataDir });

    expect(await logsOpened(() => fresh.prune!({ olderThan: '1h' }))).toEqual([]);
    // The cutoff falls in the 10 ms between the old runs and the recent ones.
    const opened = await logsOpened(() =>
      fresh.prune!({ olderThan: Date.now() - (boundary + 5), batchSize: 2 }),
    );
    expect(new Set(opened)).toEqual(new Set(old));
    for (const runId of old) {
      await expect(fresh.runs.get(runId)).rejects.toMatchObject({
        name: 'WorkflowRunNotFoundError',
      });
    }
    for (const runId of recent) expect((await fresh.runs.get(runId)).status).toBe('completed');
  });

  it('runs.list passes over pruned runs without looking for their logs', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const pruned: string[] = [];
    for (let i = 0; i < 10; i++) pruned.push((await ownerRun(world)).runId);
    await pastCompletion(world, pruned.at(-1)!);
    // Listed before the prune: this process then reads the journal's `x` lines as news.
    await world.runs.list({});
    await world.prune!({ olderThan: 0 });
    const kept = (await ownerRun(world, 'running')).runId;
    // Another engine (another configuration) reads the journal from its start, as a new process.
    const another = temp.world({ dataDir, cachedRuns: 10 });
    for (const reader of [world, another]) {
      let listed: string[] = [];
      const opened = await logsOpened(async () => {
        listed = (await reader.runs.list({ pagination: { sortOrder: 'asc' } })).data.map(
          (run) => run.runId,
        );
      });
      expect(listed).toEqual([kept]);
      for (const runId of pruned) expect(opened).not.toContain(runId);
    }
  });

  it('a marker whose run never finished (a crash before the terminal append) is dropped', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const running = await ownerRun(world, 'running');
    const layout = new Layout(dataDir);
    const completedAt = Date.now() - 7_200_000;
    const marker = layout.finishedMarker(running.runId, completedAt);
    fs.mkdirSync(path.dirname(marker), { recursive: true });
    fs.writeFileSync(marker, '');

    expect((await world.prune!({ olderThan: '1h', dryRun: true })).runIds).toEqual([]);
    expect(fs.existsSync(marker), 'a dry run leaves it').toBe(true);
    expect((await world.prune!({ olderThan: '1h' })).runs).toBe(0);
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.dirname(marker)), 'its past hour folder goes with it').toBe(false);
    expect((await world.runs.get(running.runId)).status).toBe('running');
    await append(world, running.runId, {
      eventType: 'run_completed',
      eventData: { output: bytes('o') },
    });
    await pastCompletion(world, running.runId);
    expect((await world.prune!({ olderThan: 0 })).runs).toBe(1);
  });

  it('a prune cut short after the log went is finished by the next one', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const owned = await ownerRun(world);
    await pastCompletion(world, owned.runId);
    // What a crash right after the commit point leaves: the log is gone, the rest is not.
    fs.unlinkSync(new Layout(dataDir).runLog(owned.runId));
    await expect(world.runs.get(owned.runId)).rejects.toMatchObject({
      name: 'WorkflowRunNotFoundError',
    });
    expect(traces(dataDir, owned).length).toBeGreaterThan(0);
    expect((await world.prune!({ olderThan: 0 })).runs, 'it was deleted before').toBe(0);
    await world.close();
    expect(traces(dataDir, owned).filter((file) => !file.startsWith('queue message'))).toEqual([]);
  });

  it('a prune killed at any moment leaves each run whole or gone; the next prune finishes', async () => {
    const dataDir = temp.dir();
    let cut = 0;
    for (let round = 0; round < 10; round++) {
      const world = createWorld({ dataDir });
      const owned: Owned[] = [];
      const whole = new Map<string, number>();
      for (let i = 0; i < 10; i++) {
        const run = await ownerRun(world);
        owned.push(run);
        whole.set(run.runId, (await allEvents(world, run.runId)).length);
      }
      await pastCompletion(world, owned.at(-1)!.runId);
      await world.close();

      const child = startChild('prune', { dataDir });
      await child.waitFor(/^ready$/);
      await sleep(Math.random() * 15);
      await child.kill();

      const reader = createWorld({ dataDir });
      try {
        let gone = 0;
        for (const [runId, events] of whole) {
          const found = await reader.runs.get(runId).then(
            () => true,
            () => false,
          );
          if (found) {
            expect((await allEvents(reader, runId)).length, `${runId} is whole`).toBe(events);
            expect((await reader.steps.list({ runId })).data).toHaveLength(1);
          } else {
            gone++;
            expect((await reader.events.list({ runId })).data).toEqual([]);
          }
        }
        if (gone > 0 && gone < whole.size) cut++;
        await reader.prune!({ olderThan: 0 });
      } finally {
        await reader.close();
      }
      for (const run of owned) expect(traces(dataDir, run)).toEqual([]);
    }
    console.info(`retention crash test: ${cut} of 10 prunes killed between two runs`);
  }, 120_000);

  it('a step completing in another process during a prune: each run stays whole with it, or goes whole', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const steps: { runId: string; stepId: string }[] = [];
    for (let i = 0; i < 40; i++) {
      const owned = await ownerRun(world, 'run_cancelled');
      steps.push({ runId: owned.runId, stepId: owned.stepId });
    }
    await pastCompletion(world, steps.at(-1)!.runId);

    const child = startChild('completeSteps', { dataDir, steps });
    await child.waitFor(/^ready$/);
    await world.prune!({ olderThan: 0, batchSize: 1 });
    await child.waitFor(/^done$/);

    const layout = new Layout(dataDir);
    for (const { runId } of steps) {
      const outcome = child.lines.find((line) => line.split(' ')[1] === runId)!;
      const found = await world.runs.get(runId).then(
        () => true,
        () => false,
      );
      if (outcome.startsWith('refused')) {
        expect(outcome, 'a refused step: only because its run was gone').toContain(
          'WorkflowRunNotFoundError',
        );
      }
      if (found) {
        expect(outcome.startsWith('completed'), 'a kept run took the write').toBe(true);
        const types = (await allEvents(world, runId)).map((event) => event.eventType);
        expect(types).toContain('step_completed');
      } else {
        expect(fs.existsSync(layout.runLog(runId)), 'a refused write made a log').toBe(false);
        expect((await world.steps.list({ runId })).data).toEqual([]);
      }
    }
    await world.prune!({ olderThan: 0 });
    await world.close();
    for (const { runId } of steps) expect(fs.existsSync(layout.runLog(runId))).toBe(false);
    const accepted = child.lines.filter((line) => line.startsWith('completed')).length;
    console.info(
      `retention race test: ${accepted} step writes landed before their run's deletion, ${40 - accepted} after it`,
    );
  });

  it('createWorld({ retention }) prunes in the background once started', async () => {
    const world = temp.world({
      retention: { olderThan: 0, intervalMs: 20 },
      recoverActiveRuns: false,
    });
    const finished = (await world.events.create(null, runCreated())).run!.runId;
    await append(world, finished, {
      eventType: 'run_completed',
      eventData: { output: bytes('o') },
    });
    const pending = (await world.events.create(null, runCreated())).run!.runId;
    await world.start();
    await eventually(
      () =>
        world.runs.get(finished).then(
          () => undefined,
          () => true,
        ),
      'the background prune',
    );
    expect((await world.runs.get(pending)).status).toBe('pending');
  });
});

function cli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each case starts the CLI in a Node process: on a loaded machine that alone can take seconds.
describe('worldkit-local prune', { timeout: 60_000 }, () => {
  it('lists with --dry-run, then deletes, in the directory of --dir or WORKFLOW_LOCAL_DATA_DIR', async () => {
    const dataDir = temp.dir();
    const world = temp.world({ dataDir });
    const owned = await ownerRun(world);
    await pastCompletion(world, owned.runId);
    await world.close();

    const dry = await cli(['prune', '--older-than', '0', '--dry-run', '--dir', dataDir]);
    expect(dry.stdout).toContain('would delete 1 run(s) finished before');
    expect(dry.stdout).toContain(owned.runId);
    expect(dry.code).toBe(0);
    const done = await cli(['prune', '--older-than', '0', '--batch-size', '10'], {
      ...process.env,
      WORKFLOW_LOCAL_DATA_DIR: dataDir,
    });
    expect(done.stdout).toContain('deleted 1 run(s) finished before');
    expect(done.code).toBe(0);
    expect(traces(dataDir, owned)).toEqual([]);
  });

  it('refuses a directory that holds no store, and bad flags with the usage', async () => {
    const empty = temp.dir();
    const missing = await cli(['prune', '--older-than', '30d', '--dir', empty]);
    expect(missing.stderr).toContain('is not a worldkit-local data directory');
    expect(missing.code).toBe(1);
    expect(fs.readdirSync(empty)).toEqual([]);

    const dataDir = temp.dir();
    await temp.world({ dataDir }).runs.list({});
    const bad = await cli(['prune', '--older-than', 'soon', '--dir', dataDir]);
    expect(bad.stderr).toContain('invalid olderThan');
    expect(bad.code).toBe(2);
    const help = await cli(['--help']);
    expect(help.stdout).toContain('Usage: worldkit-local <command> [--dir <data directory>]');
    expect(help.code).toBe(0);
  });
});
