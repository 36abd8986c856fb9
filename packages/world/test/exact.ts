import { expect } from 'vitest';

/**
 * Asserts that `actual` is `expected` down to the byte and the millisecond: `Uint8Array`s are
 * real `Uint8Array`s with the same bytes, `Date`s are `Date`s with the same time, objects have
 * exactly the same keys. Failures name the path.
 */
export function expectExact(actual: unknown, expected: unknown, path = '$'): void {
  if (expected instanceof Uint8Array) {
    expect(actual instanceof Uint8Array, `${path} is a Uint8Array`).toBe(true);
    expect([...(actual as Uint8Array)], `${path} bytes`).toEqual([...expected]);
    return;
  }
  if (expected instanceof Date) {
    expect(actual instanceof Date, `${path} is a Date`).toBe(true);
    expect((actual as Date).getTime(), `${path} ms`).toBe(expected.getTime());
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    expect((actual as unknown[]).length, `${path} length`).toBe(expected.length);
    expected.forEach((item, index) => {
      expectExact((actual as unknown[])[index], item, `${path}[${index}]`);
    });
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    const keys = Object.keys(expected).sort();
    expect(Object.keys(actual as object).sort(), `${path} keys`).toEqual(keys);
    for (const key of keys) {
      expectExact(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
    }
    return;
  }
  expect(actual, path).toBe(expected);
}
