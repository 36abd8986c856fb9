/**
 * Turning what a World stored for a template run into what it would store for a clone: every
 * template text (id, token, token digest) swapped for the clone's text of the same length, and
 * every time moved by the clone's shift. Values are compiled once per template, so writing a
 * clone only copies bytes and fills in its texts.
 */
import type { CloneMapping, Templates } from './templates.js';

export type Rewrite<T> = (mapping: CloneMapping) => T;
type Window = Templates['window'];

/** A rewrite, and whether it gives the template's value unchanged to every clone. */
interface Compiled<T> {
  same: boolean;
  rewrite: Rewrite<T>;
}

const unchanged = <T>(value: T): Compiled<T> => ({ same: true, rewrite: () => value });

/** 13 or more digits standing alone in text: an epoch-ms time (maybe zero-padded) in the window. */
const TIME_IN_TEXT = /(?<![0-9A-Za-z])\d{13,}(?![0-9A-Za-z])/g;
/** An ISO date-time, whole or cut short (`2026-12-04T20`): a bucket of a time beside it. */
const DATE_IN_TEXT = /\d{4}-\d{2}-\d{2}T\d{2}(?::\d{2}(?::\d{2}(?:\.\d{3})?)?)?Z?/g;

const inWindow = (value: number, window: Window) =>
  Number.isInteger(value) && value >= window.from && value <= window.to;

function textPlan(text: string, froms: readonly string[], window: Window): Compiled<string> {
  const found = [...froms.keys()].filter((index) => text.includes(froms[index]!));
  const time = [...text.matchAll(TIME_IN_TEXT)]
    .map(([digits]) => Number(digits))
    .find((value) => inWindow(value, window));
  // A date beside a time is that time's (a folder per hour): it is made again from the moved one.
  const dates =
    time === undefined
      ? []
      : [...text.matchAll(DATE_IN_TEXT)]
          .map(([date]) => date)
          .filter((date) => new Date(time).toISOString().startsWith(date));
  if (found.length === 0 && time === undefined) return unchanged(text);
  return {
    same: false,
    rewrite(mapping) {
      let result = text;
      for (const index of found) result = result.replaceAll(froms[index]!, mapping.to[index]!);
      if (time === undefined) return result;
      for (const date of dates) {
        result = result.replaceAll(
          date,
          new Date(time + mapping.shiftMs).toISOString().slice(0, date.length),
        );
      }
      return result.replace(TIME_IN_TEXT, (digits) =>
        inWindow(Number(digits), window)
          ? String(Number(digits) + mapping.shiftMs).padStart(digits.length, '0')
          : digits,
      );
    },
  };
}

function bytesPlan(bytes: Uint8Array, froms: readonly string[]): Compiled<Buffer> {
  const buffer = Buffer.from(bytes);
  const patches: Array<{ offset: number; index: number }> = [];
  for (const [index, from] of froms.entries()) {
    const needle = Buffer.from(from, 'latin1');
    for (let at = buffer.indexOf(needle); at >= 0; at = buffer.indexOf(needle, at + 1)) {
      patches.push({ offset: at, index });
    }
  }
  if (patches.length === 0) return unchanged(buffer);
  return {
    same: false,
    rewrite(mapping) {
      const result = Buffer.from(buffer);
      for (const { offset, index } of patches) result.write(mapping.to[index]!, offset, 'latin1');
      return result;
    },
  };
}

/** Text (an index line, a key): template texts swapped, times in the window shifted. */
export function compileText(
  text: string,
  froms: readonly string[],
  window: Window,
): Rewrite<string> {
  return textPlan(text, froms, window).rewrite;
}

/** Bytes (keys, fields, CBOR blobs): texts swapped in place, so lengths never change. */
export function compileBytes(bytes: Uint8Array, froms: readonly string[]): Rewrite<Buffer> {
  return bytesPlan(bytes, froms).rewrite;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;

function treePlan(value: unknown, froms: readonly string[], window: Window): Compiled<unknown> {
  if (typeof value === 'string') return textPlan(value, froms, window);
  if (typeof value === 'number') {
    return inWindow(value, window)
      ? { same: false, rewrite: (mapping) => value + mapping.shiftMs }
      : unchanged(value);
  }
  if (value instanceof Date) {
    const time = value.getTime();
    return inWindow(time, window)
      ? { same: false, rewrite: (mapping) => new Date(time + mapping.shiftMs) }
      : unchanged(value);
  }
  if (value instanceof Uint8Array) {
    const plan = bytesPlan(value, froms);
    if (plan.same) return unchanged(value);
    // Keep the value's class: CBOR tells a Buffer from another Uint8Array.
    return Buffer.isBuffer(value)
      ? plan
      : { same: false, rewrite: (mapping) => new Uint8Array(plan.rewrite(mapping)) };
  }
  if (Array.isArray(value)) {
    const items = value.map((item) => treePlan(item, froms, window));
    if (items.every((item) => item.same)) return unchanged(value);
    return { same: false, rewrite: (mapping) => items.map((item) => item.rewrite(mapping)) };
  }
  if (isPlainObject(value)) {
    const entries = Object.entries(value).map(
      ([key, item]) => [textPlan(key, froms, window), treePlan(item, froms, window)] as const,
    );
    if (entries.every(([key, item]) => key.same && item.same)) return unchanged(value);
    return {
      same: false,
      rewrite(mapping) {
        const result: Record<string, unknown> = {};
        for (const [key, item] of entries) result[key.rewrite(mapping)] = item.rewrite(mapping);
        return result;
      },
    };
  }
  if (value === null || value === undefined || typeof value === 'boolean') return unchanged(value);
  throw new Error(
    `a template holds a ${Object.prototype.toString.call(value)} the seeder cannot copy`,
  );
}

/** A decoded value (a run log record, an entity read through the API), for any clone. */
export function compileTree(
  value: unknown,
  froms: readonly string[],
  window: Window,
): Rewrite<unknown> {
  return treePlan(value, froms, window).rewrite;
}
