/**
 * Template runs: one run of each kind the seeded data holds (a finished run per status and
 * workflow name, a live run per workflow name), written through the World's own events.create as
 * runtime 4.8.9 writes a run. Every seeded run is a copy of one of them with its ids and times
 * moved, so seeded data is by construction what the World itself writes, in its exact format.
 *
 * Each finished template holds 10 events and a hook (deleted with the run's end, as every World
 * does); a live one holds 6 and keeps its hook active, with a token a lookup can find.
 */
import { newId, type World } from '@worldkit/world';
import type { OpenedWorld } from '../../subjects/types.js';
import { payload, STEP_NAME } from '../../workload.js';
import { type FinishedStatus, type SeededRun, seededRun, WORKFLOW_NAMES } from '../plan.js';
import { cloneOf, sha1Hex, sha256Hex, TOKEN_PREFIX } from './ids.js';

export interface Template {
  runId: string;
  run: SeededRun;
  /**
   * Every id the run holds, in a fixed order (the run id, its event ids in log order, its step
   * and hook ids in order of first use, its hook token): a clone's id for each is derived from
   * the id and its position.
   */
  ids: string[];
  /** The live hook's token (live templates only). */
  token?: string;
  /**
   * The texts a clone changes: `ids`, then the token's SHA-1 and SHA-256 hex digests (Worlds key
   * token indexes by digest).
   */
  texts: string[];
  /** When the run was created (epoch ms): a clone's times are the template's, shifted. */
  createdMs: number;
}

export interface Templates {
  list: Template[];
  /** Every time the templates hold lies in this range (epoch ms): a number in it is a time. */
  window: { from: number; to: number };
  /** Clone `n` is created at `origin + n` ms: the seeded runs are the store's oldest. */
  origin: number;
}

/** What clone `n` of its template replaces, pair by pair: equal-length texts. */
export interface CloneMapping {
  clone: number;
  template: Template;
  shiftMs: number;
  /** The clone's text for each of `template.texts`, of the same length. */
  to: string[];
  runId: string;
  token?: string;
}

const PLAIN_ERROR = { message: 'seeded failure', stack: 'Error: seeded failure\n    at seed' };

const withDigests = (ids: string[], token: string | undefined) =>
  token === undefined ? ids : [...ids, sha1Hex(token), sha256Hex(token)];

const kindKey = (run: SeededRun) =>
  `${run.kind}:${run.kind === 'finished' ? run.status : ''}:${run.workflow}`;

export function templateOf(templates: Templates, n: number): Template {
  const wanted = kindKey(seededRun(n));
  const template = templates.list.find(({ run }) => kindKey(run) === wanted);
  if (!template) throw new Error(`no template for clone ${n} (${wanted})`);
  return template;
}

/** How far clone `n` of `template` is moved in time: clone `n` is created at `origin + n`. */
export const cloneShift = (templates: Templates, template: Template, n: number): number =>
  templates.origin + n - template.createdMs;

export function cloneMapping(templates: Templates, n: number): CloneMapping {
  const template = templateOf(templates, n);
  const shiftMs = cloneShift(templates, template, n);
  const ids = template.ids.map((id, ordinal) => cloneOf(id, ordinal, n, shiftMs));
  const token =
    template.token === undefined ? undefined : ids[template.ids.indexOf(template.token)];
  const to = withDigests(ids, token);
  for (const [index, text] of to.entries()) {
    if (text.length !== template.texts[index]!.length) {
      throw new Error(`clone text ${text} is not as long as ${template.texts[index]}`);
    }
  }
  return {
    clone: n,
    template,
    shiftMs,
    to,
    runId: ids[0]!,
    ...(token === undefined ? {} : { token }),
  };
}

type Append = (eventType: string, eventData?: object, correlationId?: string) => Promise<unknown>;

function appender(world: World, runId: string, specVersion: number): Append {
  return (eventType, eventData, correlationId) =>
    world.events.create(runId, {
      eventType,
      specVersion,
      ...(correlationId === undefined ? {} : { correlationId }),
      ...(eventData === undefined ? {} : { eventData }),
    } as any);
}

async function completedStep(append: Append): Promise<void> {
  const stepId = newId('step');
  await append('step_created', { stepName: STEP_NAME, input: payload() }, stepId);
  await append('step_started', { stepName: STEP_NAME }, stepId);
  await append('step_completed', { stepName: STEP_NAME, result: payload() }, stepId);
}

async function createHook(append: Append): Promise<{ hookId: string; token: string }> {
  const hookId = newId('hook');
  const token = TOKEN_PREFIX + newId('hook').slice('hook_'.length);
  await append('hook_created', { token, isWebhook: false }, hookId);
  return { hookId, token };
}

/** The events after run_created and run_started, by what the run ends as. */
async function writeBody(append: Append, run: SeededRun): Promise<string | undefined> {
  if (run.kind === 'live') {
    await completedStep(append);
    return (await createHook(append)).token;
  }
  const ends: Record<FinishedStatus, () => Promise<void>> = {
    async completed() {
      await completedStep(append);
      await completedStep(append);
      await createHook(append);
      await append('run_completed', { output: payload() });
    },
    async failed() {
      await completedStep(append);
      const stepId = newId('step');
      await append('step_created', { stepName: STEP_NAME, input: payload() }, stepId);
      await append('step_started', { stepName: STEP_NAME }, stepId);
      await append('step_failed', { stepName: STEP_NAME, error: PLAIN_ERROR }, stepId);
      await createHook(append);
      await append('run_failed', { error: PLAIN_ERROR });
    },
    async cancelled() {
      const { hookId } = await createHook(append);
      await append('hook_received', { payload: payload() }, hookId);
      await completedStep(append);
      const stepId = newId('step');
      await append('step_created', { stepName: STEP_NAME, input: payload() }, stepId);
      await append('step_started', { stepName: STEP_NAME }, stepId);
      await append('run_cancelled');
    },
  };
  await ends[run.status]();
  return undefined;
}

/** Every event of a run, oldest first, without payloads. */
async function eventsOf(world: World, runId: string) {
  const events: Array<{ eventId: string; correlationId?: string }> = [];
  let cursor: string | undefined;
  do {
    const page = await world.events.list({
      runId,
      resolveData: 'none',
      pagination: cursor ? { cursor, sortOrder: 'asc' } : { sortOrder: 'asc' },
    } as any);
    events.push(...(page.data as typeof events));
    cursor = page.hasMore ? (page.cursor ?? undefined) : undefined;
  } while (cursor);
  return events;
}

async function writeTemplate(opened: OpenedWorld, run: SeededRun): Promise<Template> {
  const { world, specVersion } = opened;
  const runId = newId('run');
  const append = appender(world, runId, specVersion);
  await append('run_created', {
    deploymentId: 'bench',
    workflowName: WORKFLOW_NAMES[run.workflow]!,
    input: payload(),
  });
  await append('run_started');
  const token = await writeBody(append, run);
  const events = await eventsOf(world, runId);
  const correlations = [
    ...new Set(events.flatMap(({ correlationId }) => (correlationId ? [correlationId] : []))),
  ];
  const created = await world.runs.get(runId, { resolveData: 'none' } as any);
  const ids = [
    runId,
    ...events.map(({ eventId }) => eventId),
    ...correlations,
    ...(token ? [token] : []),
  ];
  return {
    runId,
    run,
    ids,
    ...(token === undefined ? {} : { token }),
    texts: withDigests(ids, token),
    createdMs: new Date(created.createdAt).getTime(),
  };
}

/** Every kind of seeded run once: finished runs by status and workflow name, live runs by name. */
export function templateKinds(): SeededRun[] {
  const statuses: FinishedStatus[] = ['completed', 'failed', 'cancelled'];
  return WORKFLOW_NAMES.flatMap((_, workflow) => [
    ...statuses.map((status) => ({ kind: 'finished' as const, status, workflow })),
    { kind: 'live' as const, workflow },
  ]);
}

/**
 * Writes the templates through `opened` and places the clones' times before them: clone `n` is
 * created `maxClones - n` ms (plus a minute) before the first template, so every seeded run is
 * older than the runs the measurements then write.
 */
export async function writeTemplates(opened: OpenedWorld, maxClones: number): Promise<Templates> {
  const started = Date.now();
  const list: Template[] = [];
  for (const run of templateKinds()) list.push(await writeTemplate(opened, run));
  const from = Math.min(...list.map((template) => template.createdMs));
  return {
    list,
    window: { from: from - 1_000, to: Date.now() + 1_000 },
    origin: Math.min(started, from) - maxClones - 60_000,
  };
}
