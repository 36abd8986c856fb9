import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from '../../e2e/src/harness/browser.js';
import { selectedTargets } from '../../e2e/src/harness/targets.js';
import {
  checkPage,
  countOnceSettled,
  keepScreenshot,
  runRows,
} from '../../e2e/src/harness/web-ui-pages.js';
import { WebUiServer } from '../../e2e/src/harness/web-ui-server.js';
import type { AppClient } from '../src/harness/client.js';
import { RuntimeDeployment } from '../src/harness/deployment.js';
import { cliWorld5xOf } from '../src/harness/sdk-cli.js';
import { waitForOutcomes } from '../src/harness/wait.js';

/**
 * The 5.x SDK's own web UI (`workflow web` from workflow 5.0.0-beta.55, serving @workflow/web of
 * the same version, on Node 22) on every World's 5.x face, in Chromium, after real runs of the
 * 5.x runtime: the runs list, a run's trace, step details and events (numbered by slot), and a
 * run's stream, as a user sees them. Every call the UI makes must succeed. Screenshots go to
 * e2e's test-artifacts/web-ui/.
 */

const SEQUENTIAL_STEPS = 4;
const STREAM_CHUNKS = 3;

interface Run {
  runId: string;
  /** The workflow's name as the UI shows it. */
  workflow: string;
}

/** The UI's label for a World status (`completed` → `Completed`). */
const statusLabel = (status: string) => status[0]!.toUpperCase() + status.slice(1);
/** A slot-numbered event id as the events list shows it. */
const SLOT_EVENT_ID = /evnt_\d{26}/;
/** A row of the events list: its time, then its columns, the event's id among them. */
const EVENT_ROW = /^\d\d:\d\d:\d\d\.\d{3} .*evnt_\d{26}/;

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(() => browser?.close());

describe.concurrent.each(selectedTargets())(
  'the 5.x Workflow web UI on $name',
  (target) => {
    let deployment: RuntimeDeployment;
    let app: AppClient;
    let web: WebUiServer;
    let context: BrowserContext;
    let runs: Run[];
    let sequential: Run;
    let stream: Run;

    async function start(workflow: string, args: unknown[]): Promise<Run> {
      const run = { runId: await app.start(workflow, args), workflow };
      runs.push(run);
      return run;
    }

    beforeAll(async () => {
      deployment = await RuntimeDeployment.create(target, 'web-ui');
      app = deployment.clients[0]!;
      runs = [];
      await Promise.all([1, 2, 3].map((count) => start('sequentialSteps', [count])));
      stream = await start('streamChunks', [STREAM_CHUNKS]);
      await start('fatalFailure', ['the order cannot be shipped']);
      await waitForOutcomes(
        app,
        runs.map((run) => run.runId),
      );
      // Started last, once the others have ended: the newest run, first in the list.
      sequential = await start('sequentialSteps', [SEQUENTIAL_STEPS]);
      await waitForOutcomes(app, [sequential.runId]);
      web = await WebUiServer.start(cliWorld5xOf(target, deployment), '5x');
      // Tall enough that the event list, which renders only the rows in view, shows every event.
      context = await browser.newContext({ viewport: { width: 1400, height: 2400 } });
      // An upper bound against hangs, not a speed assertion: the UI shares two cores with the rest.
      context.setDefaultTimeout(120_000);
      // Runs, then a web server that loads the SDK: bounds against hangs on two busy cores.
    }, 240_000);

    afterAll(async () => {
      await context?.close();
      await web?.stop();
      await deployment?.close();
    });

    const onPage = (pathname: string, check: (page: Page) => Promise<void>) =>
      checkPage(context, web, pathname, check);

    test('the runs list shows every run once, newest first, with its workflow and status', () =>
      onPage('/', async (page) => {
        const rows = await runRows(page);
        await keepScreenshot(page, `5x-${target.name}-runs`);
        expect(rows[0]?.runId).toBe(sequential.runId);
        const statuses = await app.statuses(runs.map((run) => run.runId));
        const expected = runs.map((run, index) => ({
          runId: run.runId,
          workflow: run.workflow,
          status: statusLabel(statuses[index]!.status),
        }));
        const known = new Set(runs.map((run) => run.runId));
        const byRunId = (a: { runId: string }, b: { runId: string }) =>
          a.runId.localeCompare(b.runId);
        expect(rows.filter((row) => known.has(row.runId)).sort(byRunId)).toEqual(
          expected.sort(byRunId),
        );
        // Both labels were compared: the failed run's and the completed ones'.
        expect(expected.filter((run) => run.status === 'Failed')).toHaveLength(1);
      }));

    test("a run shows each step in the trace, a step's events, and the log by slot", () =>
      onPage(`/run/${sequential.runId}`, async (page) => {
        await page.getByRole('heading', { name: sequential.workflow }).waitFor();
        // The trace: one span per step, named by its function and duration.
        const spans = page.getByRole('treeitem', { name: /^appendLetter / });
        expect(await countOnceSettled(spans, SEQUENTIAL_STEPS)).toBe(SEQUENTIAL_STEPS);

        // A step's details: its own events, each a group.
        await spans.first().click();
        const stepEventType = /^step_[a-z]+/;
        const stepEvents = page.getByRole('group').filter({ hasText: stepEventType });
        expect(await countOnceSettled(stepEvents, 3)).toBe(3);
        const shown = await stepEvents.allInnerTexts();
        expect(shown.map((text) => stepEventType.exec(text)?.[0])).toEqual([
          'step_created',
          'step_started',
          'step_completed',
        ]);
        await keepScreenshot(page, `5x-${target.name}-run`);

        // The events, oldest first: the run's three and each step's three, at slots 1, 2, 3, …
        await page.getByRole('tab', { name: 'Events' }).click();
        // A row is a button named by its time and columns; its copy buttons are named `Copy …`.
        const rows = page.getByRole('button', { name: EVENT_ROW });
        const total = 3 + 3 * SEQUENTIAL_STEPS;
        expect(await countOnceSettled(rows, total)).toBe(total);
        const shownIds = (await rows.allInnerTexts()).map((text) => SLOT_EVENT_ID.exec(text)![0]);
        expect(shownIds).toEqual(
          Array.from(
            { length: total },
            (_, index) => `evnt_${String(index + 1).padStart(26, '0')}`,
          ),
        );
      }));

    test("a run's stream shows every chunk its step wrote", () =>
      onPage(`/run/${stream.runId}`, async (page) => {
        await page.getByRole('tab', { name: 'Streams' }).click();
        await page.getByRole('button', { name: /^strm_/ }).click();
        const chunks = page.getByRole('treeitem', { name: /^chunk-\d+;/ });
        expect(await countOnceSettled(chunks, STREAM_CHUNKS)).toBe(STREAM_CHUNKS);
        expect((await chunks.allInnerTexts()).map((text) => text.split(/\s/)[0])).toEqual(
          Array.from({ length: STREAM_CHUNKS }, (_, index) => `chunk-${index};`),
        );
      }));
  },
  300_000,
);
