import { describe, expect, it } from 'vitest';
import { transition } from '../../src/state-machine/transition.js';
import {
  deepFreeze,
  hookCreated,
  RUN,
  runStarted,
  seeded,
  startedRun,
  stepCreated,
  T0,
} from './harness.js';

describe('reference state machine: purity', () => {
  it('never mutates its input, so a rejected or retried transition leaves state as it was', () => {
    const store = startedRun();
    store.given(RUN, stepCreated('step_a'));
    const inputs = [
      store.input(RUN, stepCreated('step_b')),
      store.input(RUN, stepCreated('step_a')),
      store.input(RUN, { eventType: 'step_started', correlationId: 'step_a' }),
      store.input(RUN, hookCreated('hook_a', 'frozen')),
      store.input(RUN, { eventType: 'run_completed', eventData: { output: new Uint8Array([1]) } }),
      store.input(RUN, runStarted),
    ];
    for (const input of inputs) {
      const copy = structuredClone({ ...input, random: undefined });
      expect(() => transition(deepFreeze(input))).not.toThrow();
      expect({ ...input, random: undefined }).toEqual(copy);
    }
  });

  it('is deterministic for the same input, clock and random source', () => {
    const store = startedRun();
    const make = () => ({
      ...store.input(RUN, stepCreated('step_det')),
      now: T0 + 3,
      random: seeded(7),
    });
    expect(transition(make())).toEqual(transition(make()));
  });
});
