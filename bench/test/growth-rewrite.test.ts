import { describe, expect, it } from 'vitest';
import { compileBytes, compileText, compileTree } from '../src/growth/seed/rewrite.js';
import type { CloneMapping } from '../src/growth/seed/templates.js';

const window = { from: 1_800_000_000_000, to: 1_800_000_100_000 };
const froms = ['wrun_TEMPLATE', 'step_TEMPLATE'];
const mapping = { shiftMs: -1_000, to: ['wrun_CLONE001', 'step_CLONE001'] } as CloneMapping;

describe('rewriting a template for a clone', () => {
  it('swaps template texts and shifts times in the window, in any value', () => {
    const stored = {
      runId: 'wrun_TEMPLATE',
      waitId: 'wrun_TEMPLATE-step_TEMPLATE',
      createdAt: new Date(1_800_000_000_500),
      marker: 1_800_000_000_600,
      attempt: 1,
      long: 1_700_000_000_000,
      payload: new Uint8Array([1, 2, 3]),
      steps: [{ stepId: 'step_TEMPLATE', output: null }],
    };
    expect(compileTree(stored, froms, window)(mapping)).toEqual({
      runId: 'wrun_CLONE001',
      waitId: 'wrun_CLONE001-step_CLONE001',
      createdAt: new Date(1_800_000_000_500 - 1_000),
      marker: 1_800_000_000_600 - 1_000,
      attempt: 1,
      long: 1_700_000_000_000,
      payload: new Uint8Array([1, 2, 3]),
      steps: [{ stepId: 'step_CLONE001', output: null }],
    });
  });

  it('hands out values holding nothing to change as they are', () => {
    const unchanged = { a: { b: [1, 'text'] }, bytes: Buffer.from('abc') };
    expect(compileTree(unchanged, froms, window)(mapping)).toBe(unchanged);
  });

  it('keeps the class of byte values, and their length', () => {
    const rewritten = compileTree(Buffer.from('xx wrun_TEMPLATE'), froms, window)(mapping);
    expect(Buffer.isBuffer(rewritten)).toBe(true);
    expect((rewritten as Buffer).toString()).toBe('xx wrun_CLONE001');
    const bytes = compileBytes(Buffer.from('\u00a3wrun_TEMPLATE step_TEMPLATE'), froms)(mapping);
    expect(bytes.toString()).toBe('\u00a3wrun_CLONE001 step_CLONE001');
  });

  it('moves a zero-padded time in text and the hour folder made from it', () => {
    const hour = 3_600_000;
    const marker = compileText(
      `finished/2027-01-15T08/001800000000500_wrun_TEMPLATE`,
      froms,
      window,
    );
    expect(new Date(1_800_000_000_500).toISOString().slice(0, 13)).toBe('2027-01-15T08');
    expect(marker({ ...mapping, shiftMs: -hour } as CloneMapping)).toBe(
      'finished/2027-01-15T07/001799996400500_wrun_CLONE001',
    );
  });

  it('shifts only whole 13-digit times in text', () => {
    const line = compileText(
      '1800000000500 wrun_TEMPLATE 18000000005001 1700000000000',
      froms,
      window,
    );
    expect(line(mapping)).toBe('1799999999500 wrun_CLONE001 18000000005001 1700000000000');
  });

  it('refuses a value it cannot copy exactly', () => {
    expect(() => compileTree(new Map([['a', 1]]), froms, window)).toThrow(/cannot copy/);
  });
});
