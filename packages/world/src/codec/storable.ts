import { InvalidInputError } from '../errors.js';

/**
 * What every World can store. Each World writes values its own way (one CBOR record per event,
 * the payload apart from the rest, one blob per field, a structured clone in memory), and each of
 * those fails on the same kinds of values, with an error that says nothing about the caller's
 * field: a function or a symbol ("Unknown type: function"), a cycle or very deep nesting
 * (`RangeError: Maximum call stack size exceeded`, on encode or on decode). `assertStorable`
 * refuses exactly those kinds before anything is written, so every World answers alike.
 *
 * It walks the value the way the encoders do, but stops at byte arrays (a payload of a spec
 * version 2 run is one `Uint8Array`, so the usual check is one type test) and never visits more
 * than an encoder would: it is no slower than the encode that follows it.
 */

/**
 * The deepest nesting of objects, arrays, maps and sets that may be stored. CBOR encoding gives
 * out at about 1,300 levels and decoding nested maps sooner, less inside a deep call stack; real
 * payloads stay far below this.
 */
export const MAX_NESTING_DEPTH = 256;

type Segment = string | number;

interface Unstorable {
  /** Keys from the field's value down to the offending value. */
  path: Segment[];
  problem: string;
}

/** Objects whose contents no encoder can reach: storing one would silently store `{}`. */
const OPAQUE_REFERENCE_TYPES: [new (...args: never[]) => object, string][] = [
  [Promise, 'a Promise'],
  [WeakMap, 'a WeakMap'],
  [WeakSet, 'a WeakSet'],
  [WeakRef, 'a WeakRef'],
];

/**
 * Throws `InvalidInputError` naming `field` when `value` holds a function, a symbol, a Promise or
 * weak collection, a cycle, or nesting deeper than `MAX_NESTING_DEPTH`.
 */
export function assertStorable(value: unknown, field: string): void {
  const found = findUnstorable(value);
  if (found !== undefined) refuse(field, found);
}

/** `assertStorable` for each own field of `record`, each named `prefix.<key>`. */
export function assertStorableFields(record: object, prefix: string): void {
  for (const key of Object.keys(record)) {
    const found = findUnstorable((record as Record<string, unknown>)[key]);
    if (found !== undefined) refuse(`${prefix}.${key}`, found);
  }
}

function findUnstorable(value: unknown): Unstorable | undefined {
  if (isStorableLeaf(value)) return undefined;
  return visit(value, undefined, { containers: [], keys: [] });
}

/** Bytes and primitives other than symbols: the usual fields, stored as they are. */
function isStorableLeaf(value: unknown): boolean {
  switch (typeof value) {
    case 'object':
      return value === null || ArrayBuffer.isView(value);
    case 'function':
    case 'symbol':
      return false;
    default:
      return true;
  }
}

function refuse(field: string, found: Unstorable): never {
  const where = found.path.length === 0 ? '' : ` at ${[field, ...found.path].join('.')}`;
  throw new InvalidInputError(field, `${found.problem}${where} cannot be stored`);
}

/**
 * The containers on the path being walked, and the key that led into each but the first: a path
 * that grows past the depth limit is either a cycle (some container repeats) or nesting too deep.
 */
interface Walk {
  containers: object[];
  keys: Segment[];
}

function visit(value: unknown, key: Segment | undefined, walk: Walk): Unstorable | undefined {
  if (isStorableLeaf(value)) return undefined;
  if (typeof value !== 'object' || value === null) return here(walk, value, key);
  if (key !== undefined) walk.keys.push(key);
  walk.containers.push(value);
  const found =
    walk.containers.length > MAX_NESTING_DEPTH ? tooDeep(walk) : visitContents(value, walk);
  walk.containers.pop();
  if (key !== undefined) walk.keys.pop();
  return found;
}

function visitContents(value: object, walk: Walk): Unstorable | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = visit(value[i], i, walk);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    if (value instanceof Map) {
      for (const [entryKey, entryValue] of value) {
        const found =
          visit(entryKey, '(map key)', walk) ??
          visit(entryValue, typeof entryKey === 'string' ? entryKey : '(map value)', walk);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (value instanceof Set) {
      for (const member of value) {
        const found = visit(member, '(set member)', walk);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer) {
      return undefined;
    }
    for (const [type, described] of OPAQUE_REFERENCE_TYPES) {
      if (value instanceof type) return { path: [...walk.keys], problem: described };
    }
  }
  for (const objectKey of Object.keys(value)) {
    const found = visit((value as Record<string, unknown>)[objectKey], objectKey, walk);
    if (found !== undefined) return found;
  }
  return undefined;
}

function here(walk: Walk, value: unknown, key?: Segment): Unstorable {
  const problem = typeof value === 'function' ? 'a function' : 'a symbol';
  return { path: key === undefined ? [...walk.keys] : [...walk.keys, key], problem };
}

function tooDeep(walk: Walk): Unstorable {
  const seen = new Set<object>();
  for (let depth = 0; depth < walk.containers.length; depth++) {
    const container = walk.containers[depth]!;
    // `keys[depth - 1]` led into `containers[depth]`: the path up to it is where the cycle closes.
    if (seen.has(container)) return { path: walk.keys.slice(0, depth), problem: 'a cycle' };
    seen.add(container);
  }
  return { path: [], problem: `nesting deeper than ${MAX_NESTING_DEPTH} levels` };
}
