/**
 * A fan-out of 10 steps written as the 5.x runtime writes it: `Promise.all` over 10 steps run
 * inline leaves, per step, a `step_created` followed by its `step_started`. The runtime sends the
 * 20 events as one `events.createBatch` where the World has it, and as 10 lazy starts (each a
 * `step_started` carrying the step's input, which writes both events) where it has not. One
 * measurement for each way; every sample is one fan-out on a fresh run.
 */
import { newId } from '@worldkit/world';
import type { OpenedWorld, Subject } from '../subjects/types.js';
import { createStartedRun, payload, STEP_NAME } from '../workload.js';
import { type Measurement, NotApplicableError } from './types.js';
import { worldSession, worldsOnly } from './world-session.js';

const FAN_OUT = 10;
/** Fan-outs timed per round, each on its own run. */
const SAMPLES_PER_ROUND = 10;

const stepCreated = (opened: OpenedWorld, stepId: string) => ({
  eventType: 'step_created',
  correlationId: stepId,
  specVersion: opened.specVersion,
  eventData: { stepName: STEP_NAME, input: payload() },
});

/** The 10 steps as 10 lazy starts at once. */
async function singleWrites(opened: OpenedWorld, runId: string): Promise<void> {
  await Promise.all(
    Array.from({ length: FAN_OUT }, () => {
      const { eventData, ...created } = stepCreated(opened, newId('step'));
      return opened.world.events.create(runId, {
        ...created,
        eventType: 'step_started',
        eventData,
      } as never);
    }),
  );
}

/** The 10 steps' `step_created` + `step_started` pairs as one batch. */
async function oneBatch(opened: OpenedWorld, runId: string): Promise<void> {
  const events = Array.from({ length: FAN_OUT }, () => {
    const stepId = newId('step');
    return [
      { event: stepCreated(opened, stepId) },
      {
        event: {
          eventType: 'step_started',
          correlationId: stepId,
          specVersion: opened.specVersion,
        },
      },
    ];
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
const on5xLine = (subject: Subject) =>
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
    notApplicable: on5xLine,
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
  'a fan-out of 10 inline steps: 10 lazy starts at once',
  singleWrites,
  false,
);

export const fanOutBatch = fanOutMeasurement(
  'fan-out-10-batch',
  'a fan-out of 10 inline steps: one createBatch of their 20 events',
  oneBatch,
  true,
);
