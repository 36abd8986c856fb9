/**
 * Deliberately broken Worlds: each wraps the memory World and breaks exactly one guarantee the
 * way a real backend has broken it. The suite must fail on every one of them.
 */
import {
  type BatchEventItemResult,
  type CreateEventParams,
  EntityConflictError,
  type Event,
  type EventResult,
  eventSlotOf,
  InvalidCursorError,
  isTerminalRunStatus,
  type PruneOptions,
  type PruneReport,
  type QueueHandler,
  retentionAgeMs,
  slotEventId,
  WorkflowWorldError,
  type World,
} from '@worldkit/world';
import {
  type ConformanceArea,
  type ConformanceTiming,
  createMemoryBackend,
  createMemoryWorld,
  type MemoryBackend,
} from '../src/index.js';

export interface BrokenWorld {
  name: string;
  /** What it gets wrong, and which real bug it imitates. */
  breaks: string;
  area: ConformanceArea;
  /** Cases of that area that must fail (substrings of their names). */
  caughtBy: string[];
  /** Other areas whose cases must also fail against it. */
  alsoCaught?: { area: ConformanceArea; caughtBy: string[] }[];
  /** A fixed seed for the model-based cases, so the check is deterministic. */
  seed?: number;
  make(backend: MemoryBackend, timing: ConformanceTiming): World;
}

type Create = World['events']['create'];

/** The memory World with some members replaced. */
function patched(
  backend: MemoryBackend,
  patch: (world: World) => Partial<Omit<World, 'events'>> & { events?: Partial<World['events']> },
): World {
  const world = createMemoryWorld({ backend });
  const changes = patch(world);
  return { ...world, ...changes, events: { ...world.events, ...changes.events } } as World;
}

function withCreate(backend: MemoryBackend, wrap: (create: Create, world: World) => Create): World {
  return patched(backend, (world) => ({
    events: { create: wrap(world.events.create.bind(world.events) as Create, world) },
  }));
}

/** Every Uint8Array and Date in a value, transformed (results of reads). */
function mapDeep(value: unknown, map: (leaf: Uint8Array | Date) => unknown): unknown {
  if (value instanceof Uint8Array || value instanceof Date) return map(value);
  if (Array.isArray(value)) return value.map((item) => mapDeep(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapDeep(v, map)]));
  }
  return value;
}

/** Every read of runs, steps, events and hooks passed through `map`. */
function withReads(backend: MemoryBackend, map: (leaf: Uint8Array | Date) => unknown): World {
  const world = createMemoryWorld({ backend });
  const wrapGroup = <G extends object>(group: G): G =>
    Object.fromEntries(
      Object.entries(group).map(([key, fn]) => [
        key,
        key === 'create'
          ? fn
          : async (...args: unknown[]) =>
              mapDeep(await (fn as (...a: unknown[]) => unknown)(...args), map),
      ]),
    ) as G;
  return {
    ...world,
    runs: wrapGroup(world.runs),
    steps: wrapGroup(world.steps),
    events: wrapGroup(world.events),
    hooks: wrapGroup(world.hooks),
  };
}

type Prune = (options: PruneOptions) => Promise<PruneReport>;

/** The memory World with its `prune` wrapped. */
function withPrune(backend: MemoryBackend, wrap: (prune: Prune) => Prune): World {
  const world = createMemoryWorld({ backend });
  return { ...world, prune: wrap(world.prune!) } as World;
}

/** Runs `prune`, then puts back what `keep` took from the backend before it. */
function pruneKeeping(backend: MemoryBackend, keep: () => () => void): World {
  return withPrune(backend, (prune) => async (options) => {
    const restore = keep();
    const report = await prune(options);
    restore();
    return report;
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The log of a run inside the memory backend, for the Worlds that corrupt it on purpose. */
function logOf(
  backend: MemoryBackend,
  runId: string,
): { events: Event[]; positions: Map<string, number> } {
  return backend.store.runs.get(runId) as unknown as {
    events: Event[];
    positions: Map<string, number>;
  };
}

export const BROKEN_WORLDS: BrokenWorld[] = [
  {
    name: 'fence ignored',
    breaks: 'drops lastKnownEventId: the CAS fence never fires (the "silently disarmed guard")',
    area: 'fences',
    caughtBy: ['a stale lastKnownEventId', 'race: a replay decides from its log'],
    make: (backend) =>
      withCreate(backend, (create) => (runId, data, params?: CreateEventParams) => {
        const { lastKnownEventId: _dropped, ...rest } = params ?? {};
        return create(runId as string, data as never, rest);
      }),
  },
  {
    name: 'precondition ignored',
    breaks: 'drops stateUpdatedAt: the precondition guard never fires',
    area: 'fences',
    caughtBy: ['stateUpdatedAt older than an unguarded hook_received', 'race: a stale snapshot'],
    make: (backend) =>
      withCreate(backend, (create) => (runId, data, params?: CreateEventParams) => {
        const { stateUpdatedAt: _dropped, ...rest } = params ?? {};
        return create(runId as string, data as never, rest);
      }),
  },
  {
    name: 'fence not advanced by hook_received',
    breaks:
      'compares lastKnownEventId with the newest event it wrote itself, ignoring unfenced signals',
    area: 'fences',
    caughtBy: ['an unfenced hook_received advances the fence'],
    make: (backend) => {
      const newest = new Map<string, string>();
      return withCreate(backend, (create) => async (runId, data, params?: CreateEventParams) => {
        const { lastKnownEventId, ...rest } = params ?? {};
        const key = runId ?? '';
        if (
          lastKnownEventId !== undefined &&
          newest.has(key) &&
          newest.get(key) !== lastKnownEventId
        ) {
          throw new EntityConflictError('fence conflict: stale', {
            status: 412,
            code: 'FENCE_CONFLICT',
          });
        }
        const result = await create(runId as string, data as never, rest);
        if (result.event && result.event.eventType !== 'hook_received')
          newest.set(result.event.runId, result.event.eventId);
        return result;
      });
    },
  },
  {
    name: 'non-atomic append',
    breaks: 'writes the step entity, then loses the step_completed event in a simulated crash',
    area: 'transitions',
    caughtBy: ['step_completed → completed with output'],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        const result = await create(runId as string, data as never, params);
        if ((data as { eventType: string }).eventType === 'step_completed' && result.event) {
          const log = logOf(backend, result.event.runId);
          log.positions.delete(log.events.pop()!.eventId);
          throw new Error('simulated crash between the entity write and the event append');
        }
        return result;
      }),
  },
  {
    name: 'duplicate creations allowed',
    breaks:
      'a second step_created / wait_created for one correlation id appends another event (upstream #2039)',
    area: 'transitions',
    caughtBy: [
      'step_created twice → EntityConflictError',
      'wait_created twice → EntityConflictError',
    ],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        try {
          return await create(runId as string, data as never, params);
        } catch (error) {
          const type = (data as { eventType: string }).eventType;
          if (
            (error as Error).name !== 'EntityConflictError' ||
            !['step_created', 'wait_created'].includes(type)
          )
            throw error;
          const log = logOf(backend, runId as string);
          const original = log.events.find(
            (e) => e.eventType === type && e.correlationId === (data as Event).correlationId,
          )!;
          const duplicate = {
            ...original,
            eventId: `${log.events.at(-1)!.eventId.slice(0, -1)}Z`,
          } as Event;
          log.positions.set(duplicate.eventId, log.events.length);
          log.events.push(duplicate);
          return { event: duplicate } as EventResult;
        }
      }),
  },
  {
    name: 'lazy start split in two writes',
    breaks:
      'a lazy step_started is written as a step_created then a plain step_started, each racer ' +
      'taking the existing step as started by itself: two owners run the step',
    area: 'transitions',
    caughtBy: [
      'lazy step_started on a pending step → EntityConflictError',
      'lazy step_started racing on one step: exactly one creates it',
    ],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        const event = data as { eventType: string; correlationId?: string; eventData?: object };
        const lazy = event.eventData as { input?: unknown; stepName?: string } | undefined;
        if (event.eventType !== 'step_started' || lazy?.input === undefined)
          return create(runId as string, data as never, params);
        const { input, stepName } = lazy;
        const created = { ...event, eventType: 'step_created', eventData: { stepName, input } };
        await create(runId as string, created as never, params).catch((error: Error) => {
          if (error.name !== 'EntityConflictError') throw error;
        });
        const result = await create(
          runId as string,
          { ...event, eventData: { stepName } } as never,
        );
        return { ...result, stepCreated: true };
      }),
  },
  {
    name: 'run attributes dropped',
    breaks: 'run_created keeps its attributes in the event only; the run reads back without them',
    area: 'transitions',
    caughtBy: ['run_created with attributes (spec 4): the run keeps them on every read'],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        const event = data as { eventType: string; eventData?: { attributes?: unknown } };
        if (event.eventType !== 'run_created' || event.eventData?.attributes === undefined)
          return create(runId as string, data as never, params);
        const { attributes: _dropped, ...eventData } = event.eventData;
        return create(runId as string, { ...event, eventData } as never, params);
      }),
  },
  {
    name: 'slots handed out before the commit',
    breaks:
      'a slot is taken when a write begins, so a refused write leaves a hole in the numbering ' +
      '(the hole a sealed log must fill with a noop)',
    area: 'line5x',
    caughtBy: ['a run created at spec 7 numbers its events by slot'],
    make: (backend) => {
      const burnt = new Map<string, number>();
      return withCreate(backend, (create) => async (runId, data, params) => {
        const id = runId as string;
        try {
          const result = await create(id, data as never, params);
          const holes = burnt.get(id) ?? 0;
          const slot = result.event === undefined ? undefined : eventSlotOf(result.event.eventId);
          if (slot !== undefined && holes > 0) {
            const log = logOf(backend, id);
            const shifted = { ...result.event!, eventId: slotEventId(slot + holes) } as Event;
            log.positions.delete(result.event!.eventId);
            log.positions.set(shifted.eventId, log.events.length - 1);
            log.events[log.events.length - 1] = shifted;
            return { ...result, event: shifted };
          }
          return result;
        } catch (error) {
          burnt.set(id, (burnt.get(id) ?? 0) + 1);
          throw error;
        }
      });
    },
  },
  {
    name: 'a batch written one create at a time',
    breaks:
      'createBatch calls events.create once per event: other writers land between its events, ' +
      'and a step_created + step_started pair is two claims, so a second pair starts the step again',
    area: 'batches',
    caughtBy: ['batches racing single writes', 'the pair again is refused'],
    make: (backend) =>
      patched(backend, (world) => ({
        events: {
          async createBatch(runId, events, params) {
            const results: BatchEventItemResult[] = [];
            for (const { event } of events) {
              try {
                const result = await world.events.create(runId, event as never, params);
                results.push({ ...result, status: 200, event: result.event! });
              } catch (error) {
                const { status = 500, code = 'ERROR', message } = error as WorkflowWorldError;
                results.push({ status, error: code, message });
              }
            }
            return { results };
          },
        },
      })),
  },
  {
    name: 'every run numbered by ULID',
    breaks: 'runs created at spec 6 and 7 get ULID event ids, which the 5.x runtime cannot place',
    area: 'line5x',
    caughtBy: [
      'a run created at spec 6 numbers its events by slot',
      'writers racing on one run each land on a slot of their own',
    ],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        const event = data as { eventType: string; specVersion?: number };
        const asUlidRun = event.eventType === 'run_created' ? { ...event, specVersion: 5 } : event;
        return create(runId as string, asUlidRun as never, params);
      }),
  },
  {
    name: 'wait completed twice',
    breaks: 'a second wait_completed appends another event instead of a 409 (upstream #1055)',
    area: 'model',
    caughtBy: ['random histories: every outcome'],
    seed: 42,
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        try {
          return await create(runId as string, data as never, params);
        } catch (error) {
          if (
            (error as Error).name !== 'EntityConflictError' ||
            (data as Event).eventType !== 'wait_completed'
          )
            throw error;
          const log = logOf(backend, runId as string);
          const last = log.events.at(-1)!;
          const duplicate = {
            ...last,
            eventType: 'wait_completed',
            correlationId: (data as Event).correlationId,
            eventId: `${last.eventId.slice(0, -1)}Z`,
          } as Event;
          log.positions.set(duplicate.eventId, log.events.length);
          log.events.push(duplicate);
          return { event: duplicate } as EventResult;
        }
      }),
  },
  {
    name: 'hook_conflict thrown as 409',
    breaks:
      'a token held by another run throws EntityConflictError instead of appending hook_conflict',
    area: 'transitions',
    caughtBy: ['hook_created with a token another run holds'],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        const result = await create(runId as string, data as never, params);
        if (result.event?.eventType === 'hook_conflict')
          throw new EntityConflictError('token already in use');
        return result;
      }),
  },
  {
    name: 'token not released',
    breaks: 'a terminal run keeps its hook tokens, so nobody can reuse them',
    area: 'transitions',
    caughtBy: [
      'a completed run releases its hook tokens',
      'a cancelled run releases its hook tokens',
    ],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        const held = [...backend.store.tokens].filter(([, holder]) => holder.runId === runId);
        const result = await create(runId as string, data as never, params);
        if (['completed', 'failed', 'cancelled'].includes(result.run?.status ?? '')) {
          for (const [token, holder] of held) backend.store.tokens.set(token, holder);
        }
        return result;
      }),
  },
  {
    name: 'conflicts with the wrong error name',
    breaks:
      'throws WorkflowWorldError{status: 409} instead of EntityConflictError (community redis 0.2.2)',
    area: 'transitions',
    caughtBy: ['step_created twice → EntityConflictError', 'run_completed on a completed run'],
    make: (backend) =>
      withCreate(backend, (create) => async (runId, data, params) => {
        try {
          return await create(runId as string, data as never, params);
        } catch (error) {
          if ((error as Error).name === 'EntityConflictError') {
            throw new WorkflowWorldError((error as Error).message, { status: 409 });
          }
          throw error;
        }
      }),
  },
  {
    name: 'bytes mangled',
    breaks: 'reads return payloads as base64 strings (text columns, JSON without an envelope)',
    area: 'storage',
    caughtBy: ['Uint8Array payloads round-trip byte-exactly', 'hook metadata round-trips'],
    make: (backend) =>
      withReads(backend, (leaf) =>
        leaf instanceof Uint8Array ? Buffer.from(leaf).toString('base64') : leaf,
      ),
  },
  {
    name: 'dates as strings',
    breaks: 'reads return dates as ISO strings (JSONB, naive JSON)',
    area: 'storage',
    caughtBy: ['dates come back as Date objects'],
    make: (backend) =>
      withReads(backend, (leaf) => (leaf instanceof Date ? leaf.toISOString() : leaf)),
  },
  {
    name: 'events ordered by millisecond',
    breaks:
      'orders events by createdAt and breaks ties arbitrarily (the redis CORRUPTED_EVENT_LOG bug)',
    area: 'storage',
    caughtBy: ['events appended in one millisecond keep a strict order'],
    make: (backend) =>
      patched(backend, (world) => ({
        events: {
          list: async (params) => {
            const page = await world.events.list(params);
            const data = [...page.data].sort(
              (a, b) =>
                a.createdAt.getTime() - b.createdAt.getTime() || (a.eventId < b.eventId ? 1 : -1),
            );
            return { ...page, data };
          },
        },
      })),
  },
  {
    name: 'final page cursor null',
    breaks: 'the last page of events.list returns cursor null, so replays cannot resume after it',
    area: 'storage',
    caughtBy: ['the final page still returns a cursor'],
    make: (backend) =>
      patched(backend, (world) => ({
        events: {
          list: async (params) => {
            const page = await world.events.list(params);
            return page.hasMore ? page : { ...page, cursor: null };
          },
        },
      })),
  },
  {
    name: 'run not found as a plain error',
    breaks: 'runs.get of a missing run throws a plain Error instead of WorkflowRunNotFoundError',
    area: 'storage',
    caughtBy: ['runs.get of a missing run throws WorkflowRunNotFoundError'],
    make: (backend) =>
      patched(backend, (world) => ({
        runs: {
          ...world.runs,
          get: (async (id: string, params?: never) => {
            try {
              return await world.runs.get(id, params);
            } catch {
              throw new Error(`no run ${id}`);
            }
          }) as World['runs']['get'],
        },
      })),
  },
  {
    name: '{timeoutSeconds: 0} dropped',
    breaks: 'treats a falsy timeoutSeconds as "done" (community redis 0.2.2)',
    area: 'queue',
    caughtBy: ['{timeoutSeconds: 0} redelivers the same payload'],
    make: (backend) =>
      patched(backend, (world) => ({
        createQueueHandler: (prefix, handler: QueueHandler) =>
          world.createQueueHandler(prefix, async (message, meta) => {
            const result = await handler(message, meta);
            return result?.timeoutSeconds ? result : undefined;
          }),
      })),
  },
  {
    name: 'attempts capped at 3',
    breaks:
      'gives up on a failing message after 3 attempts (graphile maxAttempts 3, BullMQ attempts 3)',
    area: 'queue',
    caughtBy: ['past attempt 48'],
    make: (backend) =>
      patched(backend, (world) => ({
        createQueueHandler: (prefix, handler: QueueHandler) =>
          world.createQueueHandler(prefix, async (message, meta) => {
            try {
              return await handler(message, meta);
            } catch (error) {
              if (meta.attempt >= 3) return undefined; // dropped for good
              throw error;
            }
          }),
      })),
  },
  {
    name: 'dedup by TTL',
    breaks: 'remembers idempotency keys for 100 ms instead of the message life (BullMQ 60 s TTL)',
    area: 'queue',
    caughtBy: [
      'idempotencyKey deduplicates while the message is pending',
      'while the message is in flight',
    ],
    make: (backend) => {
      const seen = new Map<string, { at: number; messageId: string | null }>();
      let generation = 0;
      return patched(backend, (world) => ({
        queue: async (queueName, payload, opts) => {
          const key = opts?.idempotencyKey;
          if (key === undefined) return world.queue(queueName, payload, opts);
          const entry = seen.get(key);
          if (entry && Date.now() - entry.at < 100) return { messageId: entry.messageId as never };
          const result = await world.queue(queueName, payload, {
            ...opts,
            idempotencyKey: `${key}#${generation++}`,
          });
          seen.set(key, { at: Date.now(), messageId: result.messageId });
          return result;
        },
      }));
    },
  },
  {
    name: 'Uint8Array lost on the queue',
    breaks:
      'serializes queue payloads with plain JSON.stringify, so runInput.input arrives as {"0":…}',
    area: 'queue',
    caughtBy: ['Uint8Array in runInput.input survives'],
    make: (backend) =>
      patched(backend, (world) => ({
        queue: (queueName, payload, opts) =>
          world.queue(queueName, JSON.parse(JSON.stringify(payload)), opts),
      })),
  },
  {
    name: 'queue kept in process memory while claiming durability',
    breaks:
      'declares durableQueue but its messages and timers live in one instance (in-memory timers)',
    area: 'queue',
    caughtBy: ['a message enqueued before a restart'],
    make: (_backend, timing) => {
      const world = createMemoryWorld({
        backend: createMemoryBackend({ retryDelayMs: timing.retryDelayMs }),
      });
      return { ...world, capabilities: { ...world.capabilities, durableQueue: true } };
    },
  },
  {
    name: 'stream writes coalesced',
    breaks: 'writeToStreamMulti stores the batch as one chunk: one write is no longer one index',
    area: 'streams',
    caughtBy: ['keeps array order, one index per chunk'],
    make: (backend) =>
      patched(backend, (world) => ({
        writeToStreamMulti: (name, runId, chunks) =>
          world.writeToStream(name, runId, Buffer.concat(chunks.map((c) => Buffer.from(c)))),
      })),
  },
  {
    name: 'negative stream start ignored',
    breaks: 'readFromStream treats a negative start as 0',
    area: 'streams',
    caughtBy: ['a negative start counts back'],
    make: (backend) =>
      patched(backend, (world) => ({
        readFromStream: (name, startIndex) =>
          world.readFromStream(name, Math.max(0, startIndex ?? 0)),
      })),
  },
  {
    name: 'no recovery on start()',
    breaks:
      'start() does not re-enqueue pending and running runs, so a run whose message was lost sleeps forever',
    area: 'queue',
    caughtBy: ['start() recovers active runs'],
    make: (backend) => createMemoryWorld({ backend, recoverActiveRuns: false }),
  },
  {
    name: 'asynchronous factory',
    breaks: 'createWorld returns a promise of a World (the runtime uses the result at once)',
    area: 'lifecycle',
    caughtBy: ['createWorld returns a World, not a promise'],
    make: (backend) => Promise.resolve(createMemoryWorld({ backend })) as unknown as World,
  },
  {
    name: 'malformed queue input accepted',
    breaks: 'queue() swallows validation errors and reports success, so bad messages vanish',
    area: 'input',
    caughtBy: ['queue() with an undefined payload', 'queue() with a negative delaySeconds'],
    make: (backend) =>
      patched(backend, (world) => ({
        queue: async (queueName, payload, opts) => {
          try {
            return await world.queue(queueName, payload, opts);
          } catch {
            return { messageId: null };
          }
        },
      })),
  },
  {
    name: 'start() after close() accepted',
    breaks: 'start() on a closed World resolves, so an app that restarts it believes it consumes',
    area: 'lifecycle',
    caughtBy: ['after close(), start() and every call are refused'],
    make: (backend) =>
      patched(backend, (world) => ({
        start: () => world.start!().catch(() => {}),
      })),
  },
  {
    name: 'empty cursor refused',
    breaks:
      'the lists take an empty cursor for an invalid one, as every Worldkit World did before, so `workflow inspect runs` fails at once',
    area: 'clients',
    caughtBy: [
      'workflow inspect runs',
      'workflow inspect steps -r <id>',
      'workflow inspect events -r <id> (table and --json)',
      'workflow inspect hooks -r <id>',
    ],
    make: (backend) =>
      patched(backend, (world) => {
        const refuseEmpty = <P extends { pagination?: { cursor?: string } }, R>(
          list: (params: P) => Promise<R>,
        ) => {
          return (params: P) => {
            if (params.pagination?.cursor === '') throw new InvalidCursorError('');
            return list(params);
          };
        };
        return {
          runs: { ...world.runs, list: refuseEmpty(world.runs.list.bind(world.runs)) },
          steps: { ...world.steps, list: refuseEmpty(world.steps.list.bind(world.steps)) },
          hooks: { ...world.hooks, list: refuseEmpty(world.hooks.list.bind(world.hooks)) },
          events: { list: refuseEmpty(world.events.list.bind(world.events)) },
        } as Partial<World>;
      }),
  },
  {
    name: 'prune deletes unfinished runs',
    breaks:
      'deletes every run created before the cutoff, whatever its status (pruning by age alone)',
    area: 'retention',
    caughtBy: ['pending, running and waiting runs are never deleted'],
    make: (backend) =>
      withPrune(backend, (prune) => async (options) => {
        const report = await prune(options);
        for (const { state } of [...backend.store.runs.values()]) {
          if (!isTerminalRunStatus(state.run.status) && state.run.createdAt < report.cutoff) {
            backend.store.runs.delete(state.run.runId);
          }
        }
        return report;
      }),
  },
  {
    name: 'prune leaves events behind',
    breaks:
      'deletes the run but not its entries in the correlation index, so its events still list',
    area: 'retention',
    caughtBy: [
      'a completed run older than the cutoff is deleted',
      'a failed run older than the cutoff is deleted',
      'a cancelled run older than the cutoff is deleted',
    ],
    make: (backend) =>
      pruneKeeping(backend, () => {
        const entries = new Map(backend.store.byCorrelation);
        return () => {
          for (const [correlationId, entry] of entries)
            backend.store.byCorrelation.set(correlationId, entry);
        };
      }),
  },
  {
    name: 'prune leaves streams behind',
    breaks: "deletes the run's records but not its streams, which stay listed and readable",
    area: 'retention',
    caughtBy: ['a completed run older than the cutoff is deleted'],
    make: (backend) =>
      pruneKeeping(backend, () => {
        const streams = new Map(backend.streams.streams);
        const names = new Map(backend.streams.namesByRun);
        return () => {
          for (const [name, stream] of streams) backend.streams.streams.set(name, stream);
          for (const [runId, runNames] of names) backend.streams.namesByRun.set(runId, runNames);
        };
      }),
  },
  {
    name: 'prune keeps the tokens of pruned runs',
    breaks: 'leaves the token index naming the hooks of deleted runs, so their tokens stay taken',
    area: 'retention',
    caughtBy: ["a pruned run's hook token misses in getByToken and a new run can claim it"],
    make: (backend) =>
      pruneKeeping(backend, () => {
        const claims: [string, { runId: string; hookId: string }][] = [];
        for (const { events } of backend.store.runs.values()) {
          for (const event of events) {
            if (event.eventType !== 'hook_created') continue;
            claims.push([
              event.eventData.token,
              { runId: event.runId, hookId: event.correlationId },
            ]);
          }
        }
        return () => {
          for (const [token, holder] of claims) {
            if (!backend.store.runs.get(holder.runId)) backend.store.tokens.set(token, holder);
          }
        };
      }),
  },
  {
    name: 'prune ignores olderThan',
    breaks: 'deletes every finished run, however recently it finished',
    area: 'retention',
    caughtBy: ['finished runs younger than olderThan are kept whole'],
    make: (backend) =>
      withPrune(backend, (prune) => (options) => prune({ ...options, olderThan: 0 })),
  },
  {
    name: 'an unreadable age taken as 0',
    breaks: "reads olderThan: 'soon' as no age at all and deletes every finished run",
    area: 'retention',
    caughtBy: ['bad options are refused with InvalidInputError'],
    make: (backend) =>
      withPrune(backend, (prune) => (options) => {
        try {
          retentionAgeMs(options.olderThan);
          return prune(options);
        } catch {
          return prune({ ...options, olderThan: 0 });
        }
      }),
  },
  {
    name: 'dry run deletes',
    breaks: 'reports what it would delete, and deletes it',
    area: 'retention',
    caughtBy: ['dryRun lists the runs that would go'],
    make: (backend) =>
      withPrune(backend, (prune) => async (options) => {
        const report = await prune(options);
        if (options.dryRun) await prune({ ...options, dryRun: false });
        return report;
      }),
  },
  {
    name: 'prune stops after one batch',
    breaks: 'deletes one batch and returns, leaving the rest of the qualifying runs',
    area: 'retention',
    caughtBy: ['a batchSize below the number of runs that qualify'],
    make: (backend) =>
      withPrune(
        backend,
        (prune) => (options) =>
          prune({ ...options, limit: Math.min(options.limit ?? 100, options.batchSize ?? 100) }),
      ),
  },
  {
    name: 'prune ignores limit',
    breaks: 'deletes every qualifying run whatever the limit',
    area: 'retention',
    caughtBy: ['limit stops after that many runs'],
    make: (backend) =>
      withPrune(backend, (prune) => (options) => prune({ ...options, limit: undefined })),
  },
  {
    name: 'prune deletes a run piece by piece',
    breaks:
      "removes a run's events one at a time before the run itself, so readers see part of a log",
    area: 'retention',
    caughtBy: ['a reader during a prune sees each run whole or not at all'],
    make: (backend) =>
      withPrune(backend, (prune) => async (options) => {
        if (options.dryRun) return prune(options);
        const { runIds } = await prune({ ...options, dryRun: true });
        for (const runId of runIds) {
          const log = logOf(backend, runId);
          while (log.events.length > 0) {
            log.positions.delete(log.events.pop()!.eventId);
            await sleep(1);
          }
        }
        return prune(options);
      }),
  },
];
