/**
 * A World module for `WORKFLOW_TARGET_WORLD` that loads the real World named by
 * `E2E_COUNTED_WORLD` and counts, without changing any behaviour, what the race tests need to
 * see: every `events.create` refusal by error name and code (412 precondition guard, 409
 * conflicts, fence conflicts) and every workflow re-invocation queued to recover from a replay
 * divergence. The counts are read through the app's control surface (`GET /e2e/counters`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { refusalCounters, refusalKey } from './counters.js';

type AnyWorld = Record<string | symbol, any>;

function loadCountedWorld(specifier: string): AnyWorld {
  // Resolve exactly as the runtime resolves WORKFLOW_TARGET_WORLD: from the working directory.
  const load = createRequire(path.join(process.cwd(), 'index.js'));
  if (specifier === 'local') {
    // The runtime's built-in `local` target, for comparison with the Worldkit Worlds.
    const { createLocalWorld } = load('@workflow/world-local');
    return createLocalWorld({ dataDir: process.env.WORKFLOW_LOCAL_DATA_DIR });
  }
  const loaded = load(specifier);
  const factory =
    typeof loaded === 'function'
      ? loaded
      : typeof loaded?.default === 'function'
        ? loaded.default
        : loaded?.createWorld;
  if (typeof factory !== 'function') throw new Error(`${specifier} exports no World factory`);
  return factory();
}

function increment(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

function countingEvents(events: AnyWorld): AnyWorld {
  const counters = refusalCounters();
  const create = async (runId: string | null, data: { eventType: string }, params?: unknown) => {
    increment(counters.creates, data.eventType);
    try {
      return await events.create(runId, data, params);
    } catch (error) {
      counters.refusals[refusalKey(error)] ??= {};
      increment(counters.refusals[refusalKey(error)]!, data.eventType);
      throw error;
    }
  };
  return overlay(events, { create });
}

/**
 * A view of `target` with some members replaced and its methods bound to it (Worlds may use
 * private fields). The proxy wraps an empty object, not the World, so a frozen World cannot
 * trip the proxy invariants.
 */
function overlay(target: AnyWorld, replaced: AnyWorld): AnyWorld {
  return new Proxy({} as AnyWorld, {
    get(_, property) {
      if (Object.hasOwn(replaced, property)) return replaced[property];
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_, property) => Object.hasOwn(replaced, property) || Reflect.has(target, property),
  });
}

export function createWorld(): AnyWorld {
  const specifier = process.env.E2E_COUNTED_WORLD;
  if (!specifier) throw new Error('E2E_COUNTED_WORLD must name the World module to count');
  const world = loadCountedWorld(specifier);
  const events = countingEvents(world.events);
  const queue = async (
    name: string,
    payload: { replayDivergence?: unknown },
    options?: unknown,
  ) => {
    if (payload?.replayDivergence) refusalCounters().divergenceRecoveries += 1;
    return world.queue(name, payload, options);
  };
  return overlay(world, { events, queue });
}

export default createWorld;
