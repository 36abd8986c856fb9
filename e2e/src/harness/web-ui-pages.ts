import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { e2eDirectory } from './paths.js';
import { pollUntil } from './wait.js';
import { FailedCalls } from './web-ui-calls.js';
import type { WebUiServer } from './web-ui-server.js';

/** Where the web UI test keeps its screenshots (gitignored). */
const screenshotDirectory = path.join(e2eDirectory, 'test-artifacts', 'web-ui');

/** A row of the web UI's runs table, as the page shows it. */
export interface RunRow {
  workflow: string;
  runId: string;
  /** The status label, without the duration the page shows beside it. */
  status: string;
}

/** The rows of the runs table on the page, read by their column headers. */
export async function runRows(page: Page): Promise<RunRow[]> {
  const rows = page.getByRole('row').filter({ hasText: /wrun_/ });
  await rows.first().waitFor();
  const headers = await page.getByRole('columnheader').allInnerTexts();
  const column = (name: string) => {
    const index = headers.findIndex((header) => header.trim() === name);
    if (index < 0) throw new Error(`the runs table has no ${name} column: ${headers.join(' | ')}`);
    return index;
  };
  const [workflow, runId, status] = [column('Workflow'), column('Run ID'), column('Status')];
  const cells = await Promise.all(
    (await rows.all()).map((row) => row.getByRole('cell').allInnerTexts()),
  );
  return cells.map((row) => ({
    workflow: row[workflow]!.trim(),
    runId: row[runId]!.trim(),
    status: row[status]!.trim().split('\n')[0]!,
  }));
}

/** The runs table once it no longer shows any of `previous` (after paging). */
export function runRowsOtherThan(page: Page, previous: RunRow[]): Promise<RunRow[]> {
  const shownBefore = new Set(previous.map((row) => row.runId));
  return pollUntil(
    'the next page of runs',
    async () => {
      const rows = await runRows(page);
      return rows.some((row) => shownBefore.has(row.runId)) ? undefined : rows;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
}

/**
 * How many elements `locator` matches once that is `expected`, or after `timeoutMs` however many
 * it matches then, for the assertion to report.
 */
export async function countOnceSettled(
  locator: Locator,
  expected: number,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const count = await locator.count();
    if (count === expected || Date.now() > deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * What a page shows and waits for, for a failed expectation to report: its address, the start of
 * its text, the calls that failed and those still unanswered.
 */
export async function describePage(page: Page, failures: FailedCalls): Promise<string> {
  const text = await page
    .locator('body')
    .textContent({ timeout: 5_000 })
    .catch((error: Error) => `(unreadable: ${error.message})`);
  return [
    `page ${page.url()} shows: ${(text ?? '').replace(/\s+/g, ' ').slice(0, 1_500)}`,
    `failed calls: ${JSON.stringify(await failures.list())}`,
    `unanswered calls: ${failures.pending().join(', ') || 'none'}`,
  ].join('\n');
}

/** Saves a screenshot of the whole page as `<name>.png` among the test's artifacts. */
export async function keepScreenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDirectory, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDirectory, `${name}.png`), fullPage: true });
}

/**
 * Runs `check` on a new page of `web` at `pathname`, then fails if anything the page asked of the
 * web UI (and so of the World) failed. A failing check reports what the page showed and was still
 * waiting for, and what the server logged.
 */
export async function checkPage(
  context: BrowserContext,
  web: WebUiServer,
  pathname: string,
  check: (page: Page) => Promise<void>,
): Promise<void> {
  const page = await context.newPage();
  const failures = new FailedCalls(page);
  try {
    await page.goto(`${web.url}${pathname}`);
    await check(page);
  } catch (error) {
    const report = `${await describePage(page, failures)}\nweb UI server log:\n${web.logTail()}`;
    throw new Error(`${(error as Error).message}\n${report}`, { cause: error });
  }
  const failed = await failures.list();
  if (failed.length > 0) {
    throw new Error(
      `calls of ${pathname} failed: ${JSON.stringify(failed, null, 2)}\nweb UI server log:\n${web.logTail()}`,
    );
  }
  await page.close();
}
