/**
 * A fan-out of 10 steps written as the 5.x runtime writes it by default: of a `Promise.all` over
 * 10 steps it runs 3 inline (its `MAX_INLINE_STEPS`), each a `step_created` followed by its
 * `step_started`, and queues the other 7, each a `step_created`. Where the World has
 * `events.createBatch` the runtime sends the 13 events as one batch; where it has not, 3 lazy
 * starts (a `step_started` carrying the step's input, which writes both events) and 7 creates, all
 * at once. One measurement for each way; every sample is one fan-out on a fresh run.
 */
import { newId } from '@worldkit/world';
import type { OpenedWorld, Subject } from '../subjects/types.js';
import { createStartedRun, payload, STEP_NAME } from '../workload.js';
import { type Measurement, NotApplicableError } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

const FAN_OUT = 10;
/** The steps of a fan-out the 5.x runtime runs inline by default (`MAX_INLINE_STEPS`). */
const INLINE = 3;
/** Fan-outs timed per round, each on its own run. */
const SAMPLES_PER_ROUND = 10;

const stepCreated = (opened: OpenedWorld, stepId: string) => ({
  eventType: 'step_created',
  correlationId: stepId,
  specVersion: opened.specVersion,
  eventData: { stepName: STEP_NAME, input: payload() },
});

const stepStarted = (opened: OpenedWorld, stepId: string) => ({
  eventType: 'step_started',
  correlationId: stepId,
  specVersion: opened.specVersion,
});

/** Whether the fan-out's step at `index` runs inline. */
const isInline = (index: number) => index < INLINE;

/** The fan-out as single writes at once: lazy starts for the inline steps, creates for the rest. */
async function singleWrites(opened: OpenedWorld, runId: string): Promise<void> {
  await Promise.all(
    Array.from({ length: FAN_OUT }, (_, index) => {
      const created = stepCreated(opened, newId('step'));
      const event = isInline(index) ? { ...created, eventType: 'step_started' } : created;
      return opened.world.events.create(runId, event as never);
    }),
  );
}

/** The fan-out as one batch: each inline step's pair, then each queued step's create. */
async function oneBatch(opened: OpenedWorld, runId: string): Promise<void> {
  const events = Array.from({ length: FAN_OUT }, (_, index) => {
    const stepId = newId('step');
    const created = { event: stepCreated(opened, stepId) };
    return isInline(index) ? [created, { event: stepStarted(opened, stepId) }] : [created];
  }).flat();
  const { results } = await opened.world.events.createBatch!(runId, events);
  const refused = results.find((item) => item.status !== 200);
  if (refused !== undefined) throw new Error(`the batch refused ${JSON.stringify(refused)}`);
}

async function timed(
  opened: OpenedWorld,
  write: (opened: OpenedWorld, runId: string) => Promise<void>,
): Promise<number> {
  const runId = await createStartedRun(opened);
  const started = performance.now();
  await write(opened, runId);
  return performance.now() - started;
}

/**
 * The 5.x line's subjects and the in-memory reference (the lower bound): the 4.x runtime starts
 * no step lazily and sends no batch, and upstream's 4.x Worlds take neither.
 */
const offThe5xLine = (subject: Subject) =>
  subject.kind === 'world' && subject.line !== '5.x' && subject.family !== 'reference'
    ? 'the 4.x runtime starts no step lazily'
    : worldsOnly(subject);

function fanOutMeasurement(
  id: string,
  title: string,
  write: (opened: OpenedWorld, runId: string) => Promise<void>,
  needsBatch: boolean,
): Measurement {
  return {
    id,
    title,
    metrics: [{ id: 'written', title, unit: 'ms', better: 'lower' }],
    notApplicable: offThe5xLine,
    open: (subject, context) =>
      worldSession(subject, context, async (opened) => {
        if (needsBatch && opened.world.events.createBatch === undefined) {
          throw new NotApplicableError('no events.createBatch');
        }
        return {
          async sample() {
            const written: number[] = [];
            for (let index = 0; index < SAMPLES_PER_ROUND; index++) {
              written.push(await timed(opened, write));
            }
            return { written };
          },
        };
      }),
  };
}

export const fanOutSingle = fanOutMeasurement(
  'fan-out-10',
  'a fan-out of 10 steps (3 inline): single writes at once',
  singleWrites,
  false,
);

export const fanOutBatch = fanOutMeasurement(
  'fan-out-10-batch',
  'a fan-out of 10 steps (3 inline): one createBatch of its 13 events',
  oneBatch,
  true,
);
