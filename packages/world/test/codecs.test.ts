import { describe, expect, it } from 'vitest';
import {
  decodeBinary,
  encodeBinary,
  fromJsonSafe,
  parseJsonSafe,
  stringifyJsonSafe,
  toJsonSafe,
} from '../src/index.js';
import { expectExact } from './exact.js';

const allBytes = new Uint8Array(Array.from({ length: 256 }, (_, i) => i));
const msDate = new Date(Date.UTC(2026, 1, 28, 23, 59, 59, 999));

const codecs = [
  { name: 'binary (CBOR)', roundTrip: (value: unknown) => decodeBinary(encodeBinary(value)) },
  { name: 'JSON', roundTrip: (value: unknown) => parseJsonSafe(stringifyJsonSafe(value)) },
];

describe.each(codecs)('the $name codec', ({ roundTrip }) => {
  it.each([
    ['every byte value', allBytes],
    ['an empty payload', new Uint8Array(0)],
    ['a devl payload', new TextEncoder().encode('devl[{"a":1},2]')],
  ])('keeps %s byte-exact', (_row, bytes) => {
    expectExact(roundTrip({ payload: bytes, nested: [{ bytes }] }), {
      payload: bytes,
      nested: [{ bytes }],
    });
  });

  it('encodes only the bytes of a view, not the rest of its buffer', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const view = backing.subarray(2, 5);
    expectExact(roundTrip(view), new Uint8Array([1, 2, 3]));
  });

  it('returns a Buffer as a Uint8Array with the same bytes', () => {
    const decoded = roundTrip(Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    expectExact(decoded, new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
  });

  it('keeps dates to the millisecond, nested anywhere', () => {
    expectExact(roundTrip({ resumeAt: msDate, list: [msDate, { at: new Date(0) }] }), {
      resumeAt: msDate,
      list: [msDate, { at: new Date(0) }],
    });
  });

  it('keeps strings, numbers, booleans and null', () => {
    const value = { s: 'ü\u0000"\\', n: -0.5, big: 2 ** 53 - 1, t: true, f: false, z: null };
    expectExact(roundTrip(value), value);
  });

  it('returns fresh bytes: changing the source afterwards changes nothing decoded', () => {
    const source = new Uint8Array([1, 2, 3]);
    const decoded = roundTrip({ source }) as { source: Uint8Array };
    source[0] = 42;
    expect([...decoded.source]).toEqual([1, 2, 3]);
  });
});

describe('the binary codec', () => {
  it('gives decoded byte strings their own memory', () => {
    const encoded = encodeBinary({ a: new Uint8Array([1, 2, 3]) });
    const decoded = decodeBinary<{ a: Uint8Array }>(encoded);
    encoded.fill(0);
    expect([...decoded.a]).toEqual([1, 2, 3]);
  });

  it('keeps undefined values', () => {
    const decoded = decodeBinary<Record<string, unknown>>(encodeBinary({ gone: undefined, x: 1 }));
    expect('gone' in decoded).toBe(true);
    expect(decoded.gone).toBeUndefined();
  });
});

describe('the JSON codec', () => {
  it('escapes plain objects that use the tag key, so they come back as themselves', () => {
    const lookalikes = {
      bytes: { $wk: 'bytes', base64: 'AAEC' },
      date: { $wk: 'date', ms: 0 },
      wrapped: { $wk: 'object', value: { $wk: 'bytes', base64: '' } },
      other: { $wk: 42 },
    };
    const text = stringifyJsonSafe(lookalikes);
    expectExact(parseJsonSafe(text), lookalikes);
    expect(JSON.parse(text).bytes).toEqual({
      $wk: 'object',
      value: { $wk: 'bytes', base64: 'AAEC' },
    });
  });

  it('writes bytes as base64 and dates as epoch milliseconds', () => {
    expect(toJsonSafe({ b: new Uint8Array([1, 2, 3]), d: msDate })).toEqual({
      b: { $wk: 'bytes', base64: 'AQID' },
      d: { $wk: 'date', ms: msDate.getTime() },
    });
    expectExact(fromJsonSafe({ $wk: 'date', ms: 5 }), new Date(5));
  });

  it('refuses bigint values instead of losing them', () => {
    expect(() => stringifyJsonSafe({ n: 1n })).toThrow(TypeError);
    expect(() => toJsonSafe([10n])).toThrow(/bigint/);
  });

  it('drops undefined object fields, as JSON does', () => {
    expectExact(parseJsonSafe(stringifyJsonSafe({ kept: 1, dropped: undefined })), { kept: 1 });
  });
});
