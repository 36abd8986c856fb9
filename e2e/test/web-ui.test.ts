import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../src/harness/browser.js';
import type { AppClient } from '../src/harness/client.js';
import { TestDeployment } from '../src/harness/deployment.js';
import { cliWorldOf } from '../src/harness/sdk-cli.js';
import { selectedTargets } from '../src/harness/targets.js';
import { waitForRuns } from '../src/harness/wait.js';
import {
  checkPage,
  countOnceSettled,
  keepScreenshot,
  runRows,
  runRowsOtherThan,
} from '../src/harness/web-ui-pages.js';
import { WebUiServer } from '../src/harness/web-ui-server.js';

/**
 * The Workflow SDK's own web UI (`workflow web` from @workflow/cli 4.3.13, serving @workflow/web
 * 4.1.25, on Node 22) on every World, in Chromium, after real runs on that World: the runs list
 * across its pages, a run's steps and events, a step's details and a run's stream, as a user sees
 * them. Every call the UI makes must succeed. Screenshots go to test-artifacts/web-ui/.
 */

/** The web UI lists 10 runs a page: these runs fill more than one. */
const ONE_STEP_RUNS = 9;
const SEQUENTIAL_STEPS = 10;
const STREAM_CHUNKS = 3;

interface Run {
  runId: string;
  /** The workflow's name as the UI shows it. */
  workflow: string;
}

/** The UI's label for a World status (`completed` → `Completed`). */
const statusLabel = (status: string) => status[0]!.toUpperCase() + status.slice(1);
/** The UI's name for a step or workflow: the function name ending its id. */
const shortName = (name: string) => name.slice(name.lastIndexOf('//') + 2);

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

describe.concurrent.each(selectedTargets())('the Workflow web UI on $name', (target) => {
  let deployment: TestDeployment;
  let app: AppClient;
  let web: WebUiServer;
  let context: BrowserContext;
  let runs: Run[];
  let sequential: Run;
  let stream: Run;

  /** Starts a run and remembers it. */
  async function start(workflow: string, args: unknown[]): Promise<Run> {
    const run = { runId: await app.start(workflow, args), workflow };
    runs.push(run);
    return run;
  }

  beforeAll(async () => {
    deployment = await TestDeployment.create(target, 'web-ui');
    app = deployment.clients[0]!;
    runs = [];
    await Promise.all(
      Array.from({ length: ONE_STEP_RUNS }, (_, index) => start('oneStep', [index])),
    );
    stream = await start('streamChunks', [STREAM_CHUNKS]);
    await start('fatalFailure', ['the order cannot be shipped']);
    await waitForRuns(
      [app],
      runs.map((run) => run.runId),
    );
    // Started last, once the others have ended: the newest run, first in the list.
    sequential = await start('sequentialSteps', [SEQUENTIAL_STEPS]);
    await waitForRuns([app], [sequential.runId]);
    web = await WebUiServer.start(cliWorldOf(deployment), deployment.label);
    // Tall enough that the event list, which renders only the rows in view, shows every event.
    context = await browser.newContext({ viewport: { width: 1400, height: 2400 } });
    // An upper bound against hangs, not a speed assertion: in `pnpm test` the UI shares two cores
    // with the other e2e files and every package's suite.
    context.setDefaultTimeout(120_000);
  });

  afterAll(async () => {
    await context?.close();
    await web?.stop();
    await deployment?.close();
  });

  const onPage = (pathname: string, check: (page: Page) => Promise<void>) =>
    checkPage(context, web, pathname, check);

  test('the runs list shows every run once, across its pages, with its workflow and status', () =>
    onPage('/', async (page) => {
      const firstPage = await runRows(page);
      await keepScreenshot(page, `${target.name}-runs`);
      await page.getByRole('button', { name: 'Next', exact: true }).click();
      const secondPage = await runRowsOtherThan(page, firstPage);

      expect(firstPage).toHaveLength(10);
      expect(firstPage[0]?.runId).toBe(sequential.runId);
      const summaries = await app.summaries(runs.map((run) => run.runId));
      const expected = runs.map((run, index) => ({
        runId: run.runId,
        workflow: run.workflow,
        status: statusLabel(summaries[index]!.status),
      }));
      const byRunId = (a: { runId: string }, b: { runId: string }) =>
        a.runId.localeCompare(b.runId);
      expect([...firstPage, ...secondPage].sort(byRunId)).toEqual(expected.sort(byRunId));
      // Both labels were compared: the failed run's and the completed ones'.
      expect(expected.filter((run) => run.status === 'Failed')).toHaveLength(1);
    }));

  test('a run shows each of its steps in the trace and every event of its log', () =>
    onPage('/', async (page) => {
      await page.getByText(sequential.runId, { exact: true }).click();
      await page.waitForURL(`**/run/${sequential.runId}`);
      await page.getByRole('heading', { name: sequential.workflow }).waitFor();
      const steps = await app.steps(sequential.runId);
      expect(steps).toHaveLength(SEQUENTIAL_STEPS);
      const stepName = shortName(steps[0]!.stepName);

      // The trace: one span per step, named by its function.
      const spans = page.getByRole('button', { name: new RegExp(`^${stepName} - `) });
      expect(await countOnceSettled(spans, steps.length)).toBe(steps.length);

      // A step's details: its id, and its own events, each a group.
      await spans.first().click();
      const visible = (text: string | RegExp) =>
        page.getByText(text, { exact: true }).filter({ visible: true });
      const shownStepId = (
        await visible(/^step_[0-9A-Z]{26}$/)
          .first()
          .textContent()
      )?.trim();
      const shown = steps.find((step) => step.stepId === shownStepId);
      expect(shown, `the details of ${shownStepId}`).toBeDefined();
      await page.getByRole('heading', { name: `Events (${2 + shown!.attempt})` }).waitFor();
      const stepEvents = await page
        .getByRole('group')
        .filter({ hasText: /^step_/ })
        .allInnerTexts();
      expect(stepEvents.map((text) => text.split('\n')[0])).toEqual([
        'step_created',
        ...Array<string>(shown!.attempt).fill('step_started'),
        'step_completed',
      ]);
      await keepScreenshot(page, `${target.name}-run`);

      // The events: the run's three, and each step's creation, start (once per attempt) and completion.
      await page.getByRole('tab', { name: 'Events' }).click();
      const attempts = steps.reduce((sum, step) => sum + step.attempt, 0);
      const expectedCounts = {
        'Run Created': 1,
        'Run Started': 1,
        'Step Created': steps.length,
        'Step Started': attempts,
        'Step Completed': steps.length,
        'Run Completed': 1,
      };
      const total = Object.values(expectedCounts).reduce((sum, count) => sum + count, 0);
      // The count grows as the list loads: wait for the whole log rather than read it once.
      const loaded = page.getByText(`${total} events loaded`, { exact: true });
      expect(await countOnceSettled(loaded, 1), `${total} events loaded`).toBe(1);
      for (const [label, count] of Object.entries(expectedCounts)) {
        expect(await countOnceSettled(visible(label), count), label).toBe(count);
      }
    }));

  test("a run's stream shows every chunk its step wrote", () =>
    onPage(`/run/${stream.runId}`, async (page) => {
      await page.getByRole('tab', { name: 'Streams' }).click();
      await page.getByRole('button', { name: /^strm_/ }).click();
      await page.getByText('Stream Chunks').waitFor();
      // Each chunk shows as its bytes: `[index]Uint8Array(length) [99, 104, …]`.
      const chunkBytes = page.getByText(/^\[\d+\]Uint8Array\(\d+\) \[[\d, ]*\]$/);
      expect(await countOnceSettled(chunkBytes, STREAM_CHUNKS)).toBe(STREAM_CHUNKS);
      const chunks = (await chunkBytes.allInnerTexts()).map((text) =>
        Buffer.from(JSON.parse(text.slice(text.lastIndexOf('[')))).toString('utf8'),
      );
      expect(chunks).toEqual(
        Array.from({ length: STREAM_CHUNKS }, (_, index) => `chunk-${index};`),
      );
    }));
});
