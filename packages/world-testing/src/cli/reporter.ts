import type { WorldCapabilities } from '@worldkit/world';
import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { AREAS, type ConformanceArea, type ConformanceTaskMeta } from '../suite/types.js';
import type { Target } from './resolve-target.js';

export interface CaseReport {
  area: ConformanceArea | 'setup';
  name: string;
  state: 'passed' | 'failed' | 'not-applicable';
  durationMs: number;
  note?: string;
  /** For a not-applicable case: the capabilities it needs that the World does not declare. */
  missingCapabilities?: (keyof WorldCapabilities)[];
  errors?: string[];
}

export interface AreaReport {
  passed: number;
  failed: number;
  notApplicable: number;
  durationMs: number;
}

export interface ConformanceReport {
  target: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  areas: Partial<Record<ConformanceArea, AreaReport>>;
  cases: CaseReport[];
  /** Errors outside any case (setup failures, unhandled rejections). */
  errors: string[];
}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (text: string) =>
  color ? `\u001b[${code}m${text}\u001b[0m` : text;
const green = paint(32);
const red = paint(31);
const dim = paint(2);
const yellow = paint(33);

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => `${prefix}${line}`)
    .join('\n');
}

function metaOf(testCase: TestCase): ConformanceTaskMeta | undefined {
  return (testCase.meta() as { worldkit?: ConformanceTaskMeta }).worldkit;
}

/** The area a test belongs to: its meta, else the name of its area suite. */
function areaOf(testCase: TestCase): ConformanceArea | 'setup' {
  const meta = metaOf(testCase);
  if (meta) return meta.area;
  const suite = testCase.parent.type === 'suite' ? testCase.parent.name : '';
  return (AREAS as readonly string[]).includes(suite) ? (suite as ConformanceArea) : 'setup';
}

function reportOf(testCase: TestCase): CaseReport {
  const result = testCase.result();
  const durationMs = Math.round(testCase.diagnostic()?.duration ?? 0);
  const base = { area: areaOf(testCase), name: testCase.name, durationMs };
  if (result.state === 'passed') return { ...base, state: 'passed' };
  if (result.state === 'failed') {
    return {
      ...base,
      state: 'failed',
      errors: (result.errors ?? []).map((error) => error.message ?? String(error)),
    };
  }
  const note = result.state === 'skipped' ? result.note : undefined;
  if (note?.startsWith('n/a:')) {
    const missingCapabilities = metaOf(testCase)?.notApplicable;
    return {
      ...base,
      state: 'not-applicable',
      note,
      ...(missingCapabilities && { missingCapabilities }),
    };
  }
  // Only capability gating skips a case; anything else (a failed area setup) means it never ran.
  return {
    ...base,
    state: 'failed',
    errors: [note ?? 'not run: the area setup failed (see the errors outside the cases)'],
  };
}

/**
 * Prints one line per case as it finishes, then failures and a per-area table; keeps the report
 * for `--json`.
 */
export class ConformanceReporter implements Reporter {
  readonly cases: CaseReport[] = [];
  readonly errors: string[] = [];
  private currentArea: string | undefined;
  private readonly started = Date.now();

  constructor(private readonly target: Target) {}

  onTestCaseResult(testCase: TestCase): void {
    const report = reportOf(testCase);
    this.cases.push(report);
    if (report.area !== this.currentArea) {
      this.currentArea = report.area;
      process.stdout.write(`\n${report.area}\n`);
    }
    const mark =
      report.state === 'passed' ? green('✓') : report.state === 'failed' ? red('✗') : yellow('-');
    const suffix =
      report.state === 'passed' || report.state === 'failed'
        ? dim(` ${report.durationMs} ms`)
        : dim(` (${report.note ?? 'skipped'})`);
    process.stdout.write(`  ${mark} ${report.name}${suffix}\n`);
    const firstLine = report.errors?.[0]?.split('\n')[0];
    if (firstLine) process.stdout.write(`      ${red(firstLine.slice(0, 300))}\n`);
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<{ message?: string }>,
  ): void {
    for (const module of testModules) {
      for (const error of module.errors()) this.errors.push(error.message ?? String(error));
      for (const child of module.children.allSuites()) {
        for (const error of child.errors()) this.errors.push(`${child.fullName}: ${error.message}`);
      }
    }
    for (const error of unhandledErrors) this.errors.push(error.message ?? String(error));
    // No case was collected: importing the module failed, and an empty table would only hide it.
    if (this.cases.length === 0 && this.errors.length > 0) this.printLoadFailure();
    else this.print();
  }

  report(): ConformanceReport {
    const areas: ConformanceReport['areas'] = {};
    for (const report of this.cases) {
      if (report.area === 'setup') continue;
      const area = areas[report.area] ?? { passed: 0, failed: 0, notApplicable: 0, durationMs: 0 };
      areas[report.area] = area;
      if (report.state === 'passed') area.passed++;
      else if (report.state === 'failed') area.failed++;
      else if (report.state === 'not-applicable') area.notApplicable++;
      area.durationMs += report.durationMs;
    }
    const failed = this.cases.some((c) => c.state === 'failed');
    return {
      target: this.target.label,
      startedAt: new Date(this.started).toISOString(),
      durationMs: Date.now() - this.started,
      ok: !failed && this.errors.length === 0 && this.cases.length > 0,
      areas,
      cases: this.cases,
      errors: this.errors,
    };
  }

  private printLoadFailure(): void {
    process.stderr.write(
      `${red('worldkit-conformance: cannot load the World module')} "${this.target.label}"\n` +
        `  ${this.target.path}:\n${this.errors.map((error) => indent(error, '    ')).join('\n')}\n`,
    );
  }

  private print(): void {
    const report = this.report();
    const failures = report.cases.filter((c) => c.state === 'failed');
    if (failures.length > 0) {
      process.stdout.write(`\n${red(`Failures (${failures.length})`)}\n`);
      for (const failure of failures) {
        process.stdout.write(`\n${red('✗')} ${failure.area} › ${failure.name}\n`);
        for (const error of failure.errors ?? []) {
          process.stdout.write(`${indent(error, '    ')}\n`);
        }
      }
    }
    if (report.errors.length > 0) {
      process.stdout.write(`\n${red('Errors outside the cases')}\n`);
      for (const error of report.errors) process.stdout.write(`    ${error}\n`);
    }
    const rows = Object.entries(report.areas).map(([area, counts]) => [
      area,
      String(counts.passed),
      String(counts.failed),
      String(counts.notApplicable),
      `${(counts.durationMs / 1000).toFixed(1)} s`,
    ]);
    const total = Object.values(report.areas).reduce(
      (sum, counts) => ({
        passed: sum.passed + counts.passed,
        failed: sum.failed + counts.failed,
        notApplicable: sum.notApplicable + counts.notApplicable,
      }),
      { passed: 0, failed: 0, notApplicable: 0 },
    );
    rows.push([
      'total',
      String(total.passed),
      String(total.failed),
      String(total.notApplicable),
      `${(report.durationMs / 1000).toFixed(1)} s`,
    ]);
    const header = ['area', 'passed', 'failed', 'n/a', 'time'];
    const widths = header.map((title, i) =>
      Math.max(title.length, ...rows.map((row) => row[i]!.length)),
    );
    const line = (cells: string[]) =>
      cells
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
        .join('  ');
    process.stdout.write(`\n${line(header)}\n${widths.map((w) => '─'.repeat(w)).join('  ')}\n`);
    for (const row of rows) {
      const text = line(row);
      process.stdout.write(`${row[2] !== '0' ? red(text) : text}\n`);
    }
    process.stdout.write(
      `\n${report.ok ? green('PASS') : red('FAIL')} ${report.target}: ${total.passed} passed, ${total.failed} failed, ${total.notApplicable} not applicable\n`,
    );
    const hint = capabilityHint(report.cases);
    if (hint) process.stdout.write(`\n${dim(hint)}\n`);
  }
}

/**
 * How to run the cases reported as not applicable: which capabilities they need, and that a World
 * enables them by declaring the guarantee (child processes must also reach its backend).
 */
function capabilityHint(cases: readonly CaseReport[]): string | undefined {
  const counts = new Map<keyof WorldCapabilities, number>();
  for (const report of cases) {
    for (const capability of report.missingCapabilities ?? []) {
      counts.set(capability, (counts.get(capability) ?? 0) + 1);
    }
  }
  if (counts.size === 0) return undefined;
  const needs = [...counts]
    .map(([capability, count], i) => `${count} ${i === 0 ? 'need ' : ''}${capability}`)
    .join(', ');
  const declared = [...counts.keys()].map((capability) => `${capability}: true`).join(', ');
  const lines = [
    `To run the n/a cases (${needs}), a World that gives these guarantees declares them: \`capabilities: { ${declared} }\` on the World createWorld returns.`,
  ];
  if (counts.has('multiProcess')) {
    lines.push(
      'Multi-process cases import this module again in child processes: their World must reach the same backend (through the environment, or `processWorld.env` from an exported `conformance.setup`; see the README).',
    );
  }
  return lines.join('\n');
}
