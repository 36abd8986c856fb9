import { describe, expect, it } from 'vitest';
import {
  eventSlotOf,
  ID_PREFIXES,
  idTime,
  isPrefixedUlid,
  newId,
  nextEventId,
  nextSlotEventId,
  slotEventId,
  ulidOf,
} from '../src/ids.js';

const T0 = Date.UTC(2026, 0, 1);

describe('ids', () => {
  it('prefixes every kind of id and embeds the creation time', () => {
    for (const kind of Object.keys(ID_PREFIXES) as (keyof typeof ID_PREFIXES)[]) {
      const id = newId(kind, T0);
      expect(id.startsWith(ID_PREFIXES[kind])).toBe(true);
      expect(isPrefixedUlid(id, kind)).toBe(true);
      expect(idTime(id)).toBe(T0);
    }
  });

  it('decodes the ULID after the last underscore, as the runtime does', () => {
    const id = newId('event', T0);
    expect(ulidOf(`some_prefix_${ulidOf(id)}`)).toBe(ulidOf(id));
    expect(idTime('evnt_not-a-ulid')).toBeUndefined();
    expect(isPrefixedUlid('wrun_short', 'run')).toBe(false);
  });

  it('numbers slot event ids as 26 zero-padded digits that sort as their slots do', () => {
    expect(slotEventId(1)).toBe(`evnt_${'0'.repeat(25)}1`);
    expect(slotEventId(1234)).toHaveLength(31);
    const ids = [1, 2, 9, 10, 11, 99, 100, 1_000_000].map(slotEventId);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map((id) => eventSlotOf(id))).toEqual([1, 2, 9, 10, 11, 99, 100, 1_000_000]);
    expect(isPrefixedUlid(slotEventId(7), 'event'), 'a slot id passes as an id').toBe(true);
    expect(idTime(slotEventId(7)), 'a slot carries no time').toBeUndefined();
    expect(eventSlotOf(newId('event', T0))).toBeUndefined();
  });

  it('gives a slot-numbered run the next slot, and refuses a ULID or a slot out of range', () => {
    expect(nextSlotEventId(undefined)).toBe(slotEventId(1));
    expect(nextSlotEventId(slotEventId(41))).toBe(slotEventId(42));
    expect(() => nextSlotEventId(newId('event', T0))).toThrow(/not a slot id/);
    expect(() => slotEventId(0)).toThrow(RangeError);
    expect(() => slotEventId(1.5)).toThrow(RangeError);
  });

  it('allocates strictly increasing event ids within one millisecond', () => {
    let previous: string | undefined;
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      previous = nextEventId(previous, T0);
      ids.push(previous);
    }
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => idTime(id) === T0)).toBe(true);
  });

  it('keeps increasing when the clock steps back', () => {
    const first = nextEventId(undefined, T0 + 5_000);
    const second = nextEventId(first, T0);
    expect(second > first).toBe(true);
    expect(idTime(second)).toBe(T0 + 5_000);
  });

  it('moves to the next millisecond when the counter of one is exhausted', () => {
    const exhausted = `evnt_${ulidOf(newId('event', T0))!.slice(0, 10)}ZZZZZZZZZZZZZZZZ`;
    const next = nextEventId(exhausted, T0);
    expect(next > exhausted).toBe(true);
    expect(idTime(next)).toBe(T0 + 1);
  });

  it('uses the current time once the clock passes the previous event', () => {
    const first = nextEventId(undefined, T0);
    expect(idTime(nextEventId(first, T0 + 7))).toBe(T0 + 7);
  });
});

describe('newId randomness', () => {
  it('draws distinct, well-formed random parts', () => {
    const ids = Array.from({ length: 5000 }, () => newId('message', T0));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 50)) expect(isPrefixedUlid(id, 'message')).toBe(true);
    // Every base32 digit shows up in the random parts: the pool is not stuck on a few values.
    const digits = new Set(ids.flatMap((id) => [...id.slice(-16)]));
    expect(digits.size).toBe(32);
  });
});
