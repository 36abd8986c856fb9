import { randomFillSync } from 'node:crypto';
import { decodeTime, encodeTime, incrementBase32, ulid } from 'ulid';

/** The prefix of each kind of id; the ULID after the last `_` carries the creation time. */
export const ID_PREFIXES = {
  run: 'wrun_',
  step: 'step_',
  hook: 'hook_',
  wait: 'wait_',
  event: 'evnt_',
  stream: 'strm_',
  message: 'msg_',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const TIME_LENGTH = 10;

/** A random source in [0, 1); injected for deterministic tests. */
export type RandomSource = () => number;

const randomPool = new Uint8Array(4096);
let randomPoolOffset = randomPool.length;

/**
 * Crypto-strong randomness drawn from a pool refilled 4 KiB at a time. The ulid package's default
 * asks the platform for one byte per character, which costs ~170 µs per id on Node 20.
 */
const pooledRandom: RandomSource = () => {
  if (randomPoolOffset >= randomPool.length) {
    randomFillSync(randomPool);
    randomPoolOffset = 0;
  }
  return randomPool[randomPoolOffset++]! / 256;
};

/** A new prefixed ULID of the given kind. */
export function newId(
  kind: IdKind,
  now: number = Date.now(),
  random: RandomSource = pooledRandom,
): string {
  return ID_PREFIXES[kind] + ulid(now, random);
}

/**
 * The 80 random bits of a new ULID, as its last 16 characters: for ids whose time part is set
 * elsewhere (e.g. by a database, from its own clock, inside the write).
 */
export function randomUlidPart(random: RandomSource = pooledRandom): string {
  return ulid(undefined, random).slice(TIME_LENGTH);
}

/** The ULID part of a prefixed id (everything after the last `_`), if it is a well-formed ULID. */
export function ulidOf(id: string): string | undefined {
  const candidate = id.slice(id.lastIndexOf('_') + 1);
  return ULID_PATTERN.test(candidate) ? candidate : undefined;
}

/**
 * The epoch-ms time encoded in a prefixed id, as the runtime decodes it for `stateUpdatedAt`;
 * undefined for a slot event id, which is a position and carries no time.
 */
export function idTime(id: string): number | undefined {
  const part = ulidOf(id);
  return part === undefined || eventSlotOf(id) !== undefined ? undefined : decodeTime(part);
}

/** The digits of a slot id: fixed width, so that ids sort as their slots do. */
const SLOT_ID_LENGTH = 26;
const SLOT_ID_PATTERN = /^evnt_(\d{26})$/;

/** The id of a run's `slot`-th event (1-based): `evnt_` and the slot, zero-padded to 26 digits. */
export function slotEventId(slot: number): string {
  if (!Number.isSafeInteger(slot) || slot < 1) throw new RangeError(`no event slot ${slot}`);
  return ID_PREFIXES.event + String(slot).padStart(SLOT_ID_LENGTH, '0');
}

/** The slot of a slot-numbered event id, or undefined for a ULID event id. */
export function eventSlotOf(eventId: string): number | undefined {
  const digits = SLOT_ID_PATTERN.exec(eventId)?.[1];
  return digits === undefined ? undefined : Number(digits);
}

/** The id after `previousEventId` in a slot-numbered run: the next slot, or the first. */
export function nextSlotEventId(previousEventId: string | undefined): string {
  if (previousEventId === undefined) return slotEventId(1);
  const previous = eventSlotOf(previousEventId);
  if (previous === undefined) {
    throw new Error(`event ${previousEventId} of a slot-numbered run is not a slot id`);
  }
  return slotEventId(previous + 1);
}

/** True when `id` is `prefix` followed by a ULID. */
export function isPrefixedUlid(id: string, kind: IdKind): boolean {
  const prefix = ID_PREFIXES[kind];
  return id.startsWith(prefix) && ULID_PATTERN.test(id.slice(prefix.length));
}

/**
 * The id of the next event of a run, allocated inside the run's critical section.
 *
 * Its time is `max(now, time of the previous event)`, and within one millisecond the random part
 * counts up from the previous id, so a run's event ids increase strictly in commit order even when
 * many events land in one millisecond or the clock steps back. A reader that has paged past an id
 * can therefore never later see an event sorted before it.
 */
export function nextEventId(
  previousEventId: string | undefined,
  now: number,
  random?: RandomSource,
): string {
  const previous = previousEventId === undefined ? undefined : ulidOf(previousEventId);
  if (previous === undefined) return newId('event', now, random);
  const previousTime = decodeTime(previous);
  if (now > previousTime) return newId('event', now, random);
  const previousRandom = previous.slice(TIME_LENGTH);
  if (/^Z+$/.test(previousRandom)) {
    // The 80-bit counter is exhausted within this millisecond: move to the next one.
    return newId('event', previousTime + 1, random);
  }
  return (
    ID_PREFIXES.event + encodeTime(previousTime, TIME_LENGTH) + incrementBase32(previousRandom)
  );
}
