/**
 * The ids of seeded runs. A clone of a template run gets, for every id the template holds (its
 * run id, event ids, step and hook ids, hook token), an id of the same shape and length:
 *
 *   <the template id's prefix> <its ULID time + the clone's time shift> S <clone number, 12
 *   characters> <the id's ordinal in the template, 3 characters>
 *
 * so ids stay valid prefixed ULIDs carrying the clone's times, event ids of a clone sort in the
 * template's log order, no two clones share an id, and the bytes of a stored value keep their
 * length when its ids are swapped (a CBOR string header stays valid).
 */
import { createHash } from 'node:crypto';
import { idTime } from '@worldkit/world';

export const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const TIME_LENGTH = 10;
export const CLONE_LENGTH = 12;
const ORDINAL_LENGTH = 3;
/** Starts the random part of every seeded id, so a reader can tell seeded runs at a glance. */
export const SEED_MARK = 'S';

/** `value` (a non-negative integer up to 2^53) in Crockford base32, `width` characters. */
export function crockford(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0 || value >= 32 ** width) {
    throw new Error(`${value} does not fit ${width} base32 characters`);
  }
  let text = '';
  let rest = value;
  for (let index = 0; index < width; index++) {
    text = CROCKFORD[rest % 32]! + text;
    rest = Math.floor(rest / 32);
  }
  return text;
}

/** The part of a seeded id after its time: the same for every id of one clone but the ordinal. */
export const cloneMark = (clone: number): string => SEED_MARK + crockford(clone, CLONE_LENGTH);

export const ordinalPart = (ordinal: number): string => crockford(ordinal, ORDINAL_LENGTH);

/** Everything up to and including the last `_`: `wrun_`, `evnt_`, a token's `seedtok_`. */
export const idPrefix = (id: string): string => id.slice(0, id.lastIndexOf('_') + 1);

export function cloneId(prefix: string, timeMs: number, clone: number, ordinal: number): string {
  return prefix + crockford(timeMs, TIME_LENGTH) + cloneMark(clone) + ordinalPart(ordinal);
}

/** The id `template` holds at position `ordinal`, in clone `clone` shifted by `shiftMs`. */
export function cloneOf(template: string, ordinal: number, clone: number, shiftMs: number): string {
  const time = idTime(template);
  if (time === undefined) throw new Error(`${template} is not a prefixed ULID`);
  return cloneId(idPrefix(template), time + shiftMs, clone, ordinal);
}

/**
 * Hook tokens of template runs: free text to the Worlds, shaped like an id here so a clone's
 * token is derived like its ids (same length, unique per clone).
 */
export const TOKEN_PREFIX = 'seedtok_';

export const sha1Hex = (text: string): string => createHash('sha1').update(text).digest('hex');
export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');
