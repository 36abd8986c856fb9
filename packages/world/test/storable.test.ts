import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertStorable,
  decodeBinary,
  encodeBinary,
  InvalidInputError,
  MAX_NESTING_DEPTH,
} from '../src/index.js';

function nested(levels: number, make: (inner: unknown) => unknown = (inner) => ({ x: inner })) {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = make(value);
  return value;
}

function refusal(value: unknown, field = 'eventData.input'): InvalidInputError {
  try {
    assertStorable(value, field);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error('expected assertStorable to refuse');
}

const cyclic: Record<string, unknown> = { name: 'order' };
cyclic.self = cyclic;
const cyclicDeeper: Record<string, unknown> = { items: [{ id: 1 }] };
(cyclicDeeper.items as Record<string, unknown>[])[0]!.owner = cyclicDeeper;

describe('assertStorable refuses what no codec can store, naming where', () => {
  it.each<[string, unknown, string]>([
    ['a function', () => 1, 'a function cannot be stored'],
    ['a nested function', { a: { cb: () => 1 } }, 'a function at eventData.input.a.cb'],
    ['a symbol', Symbol('s'), 'a symbol cannot be stored'],
    ['a symbol in an array', [1, 2, Symbol('s')], 'a symbol at eventData.input.2'],
    ['a cycle', cyclic, 'a cycle at eventData.input.self'],
    ['a cycle through an array', cyclicDeeper, 'a cycle at eventData.input.items.0.owner'],
    ['a cycle through a map', new Map([['k', cyclic]]), 'a cycle at eventData.input.k.self'],
    ['a Promise', { pending: Promise.resolve(1) }, 'a Promise at eventData.input.pending'],
    ['a WeakMap', new WeakMap(), 'a WeakMap cannot be stored'],
    ['a function in a set', new Set([() => 1]), 'a function at eventData.input.(set member)'],
    [
      `nesting of ${MAX_NESTING_DEPTH + 1} objects`,
      nested(MAX_NESTING_DEPTH + 1),
      `nesting deeper than ${MAX_NESTING_DEPTH} levels cannot be stored`,
    ],
    [
      'nesting far deeper than any encoder reaches',
      nested(20_000, (inner) => [inner]),
      `nesting deeper than ${MAX_NESTING_DEPTH} levels`,
    ],
  ])('%s', (_row, value, problem) => {
    const error = refusal(value);
    expect(error).toMatchObject({ status: 400, code: 'INVALID_INPUT', field: 'eventData.input' });
    expect(error.message).toContain('invalid eventData.input: ');
    expect(error.message).toContain(problem);
  });
});

describe('assertStorable accepts what every codec stores', () => {
  it.each<[string, unknown]>([
    ['bytes', new Uint8Array(1024)],
    ['a Buffer', Buffer.from('hi')],
    ['BigInts', { small: 12n, huge: 2n ** 100n, negative: -(2n ** 70n) }],
    ['a Map and a Set', { map: new Map([[1, { a: 1 }]]), set: new Set(['a']) }],
    ['dates and special numbers', [new Date(0), Number.NaN, Number.POSITIVE_INFINITY]],
    ['undefined and null', { a: undefined, b: null }],
    ['an object without a prototype', Object.assign(Object.create(null), { a: 1 })],
    ['a class instance and an error', [new (class Point {})(), new Error('boom')]],
    [
      'one object referenced twice (not a cycle)',
      (() => {
        const shared = { id: 1 };
        return { first: shared, second: [shared] };
      })(),
    ],
    [`nesting of exactly ${MAX_NESTING_DEPTH} objects`, nested(MAX_NESTING_DEPTH)],
    [
      `nesting of exactly ${MAX_NESTING_DEPTH} maps`,
      nested(MAX_NESTING_DEPTH, (inner) => new Map([['x', inner]])),
    ],
  ])('%s, and the binary codec round-trips it', (_row, value) => {
    expect(() => assertStorable(value, 'eventData.input')).not.toThrow();
    // Wrapped a few levels, as Worlds store a field inside a record.
    const record = { event: { eventData: { input: value } } };
    expect(decodeBinary(encodeBinary(record))).toEqual(record);
  });

  it('never accepts a value the binary codec then fails on', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withNullPrototype: true,
        }),
        (value) => {
          assertStorable(value, 'eventData.input');
          encodeBinary({ eventData: { input: value } });
        },
      ),
    );
  });

  it('refuses any value with a function somewhere inside', () => {
    fc.assert(
      fc.property(
        fc.letrec((tie) => ({
          holder: fc.oneof(
            { depthSize: 'small' },
            fc.constant(() => 1),
            fc.tuple(fc.anything(), tie('holder')),
            fc.record({ inner: tie('holder'), other: fc.anything() }),
            tie('holder').map((inner) => new Map([['key', inner]])),
          ),
        })).holder,
        (value) => {
          expect(() => assertStorable(value, 'eventData.input')).toThrow(/a function/);
        },
      ),
    );
  });
});
