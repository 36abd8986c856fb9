import type { Reporter, TestCase, TestModule } from 'vitest/node';
import { AREAS, type ConformanceArea, type ConformanceTaskMeta } from '../suite/types.js';

export interface CaseReport {
  area: ConformanceArea | 'setup';
  name: string;
  state: 'passed' | 'failed' | 'not-applicable';
  durationMs: number;
  note?: string;
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

/** The area a test belongs to: its meta, else the name of its area suite. */
function areaOf(testCase: TestCase): ConformanceArea | 'setup' {
  const meta = (testCase.meta() as { worldkit?: ConformanceTaskMeta }).worldkit;
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
  if (note?.startsWith('n/a:')) return { ...base, state: 'not-applicable', note };
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

  constructor(private readonly target: string) {}

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
    this.print();
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
      target: this.target,
      startedAt: new Date(this.started).toISOString(),
      durationMs: Date.now() - this.started,
      ok: !failed && this.errors.length === 0 && this.cases.length > 0,
      areas,
      cases: this.cases,
      errors: this.errors,
    };
  }

  private print(): void {
    const report = this.report();
    const failures = report.cases.filter((c) => c.state === 'failed');
    if (failures.length > 0) {
      process.stdout.write(`\n${red(`Failures (${failures.length})`)}\n`);
      for (const failure of failures) {
        process.stdout.write(`\n${red('✗')} ${failure.area} › ${failure.name}\n`);
        for (const error of failure.errors ?? []) {
          process.stdout.write(
            `${error
              .split('\n')
              .map((line) => `    ${line}`)
              .join('\n')}\n`,
          );
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
  }
}
