/**
 * One intent, one request, in Chromium against the reference server and its simulator: a double
 * click on Pause sends one pause (its second click lands on the Resume that Pause turned into, and
 * does nothing), the same for Resume; a held Enter sends one request however long it repeats; a
 * click of its own after the double-click time acts. The requests are counted where they arrive:
 * at the actions the server hands them to.
 *
 * The simulator runs on a clock of the test's, held still once the execution is running, so that
 * nothing but the requests changes its state (its plan may pause it on its own otherwise). The
 * page's clock is Playwright's: it flows, and the test moves it past the double-click time.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../scripts/chromium.js';
import { startPageServer, type PageServer } from '../../scripts/page-server.js';
import type { ProgressEvent } from '../../src/protocol/events.js';
import type { RunAction } from '../../src/client/run-actions.js';
import { DOUBLE_CLICK_MS } from '../../src/elements/shared/press-guard.js';
import { createProgressServer, type ProgressServer } from '../../src/server/index.js';
import type { RunActions } from '../../src/server/run-actions.js';
import { createSimulator, type Simulator } from '../../src/server/simulator/index.js';
import { hasChromium } from './helpers/chromium.js';
import { ManualClock } from './helpers/manual-clock.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

/** A request that reached the server's actions. */
interface Request {
  action: RunAction;
  executionId: string;
}

describe('a double click, or a held key, on an action button sends one request', { skip, timeout: 180_000 }, () => {
  const clock = new ManualClock();
  const published: ProgressEvent[] = [];
  const requests: Request[] = [];
  let simulator: Simulator;
  let server: ProgressServer;
  let pages: PageServer;
  let browser: Browser;

  before(async () => {
    let running: ProgressServer | undefined;
    simulator = createSimulator(
      {
        publish(event) {
          published.push(event);
          return running!.publish(event);
        },
      },
      { clock, seed: 11 },
    );
    // What the server hands each request to: counted, then carried out by the simulator.
    const counted: RunActions = {
      cancelTask: (projectId, taskId) => simulator.cancelTask(projectId, taskId),
      pauseExecution: (executionId) => (requests.push({ action: 'pause', executionId }), simulator.pauseExecution(executionId)),
      resumeExecution: (executionId) => (requests.push({ action: 'resume', executionId }), simulator.resumeExecution(executionId)),
      cancelExecution: (executionId) => (requests.push({ action: 'cancel', executionId }), simulator.cancelExecution(executionId)),
    };
    server = running = await createProgressServer({ port: 0, host: '127.0.0.1', heartbeatInterval: 0, actions: counted });
    pages = await startPageServer(new URL('./actions/', import.meta.url), ['tracker-page']);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS] });
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    simulator?.stop();
    await server?.close();
  });

  /** A new execution, run on the simulator's clock until it is running, then held there. */
  function runningExecution(): string {
    const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
    while (!published.some((e) => 'executionId' in e && e.executionId === executionId && e.type === 'workflow_execution_started')) {
      if (!clock.step()) throw new Error('the simulator has nothing more to do');
    }
    return executionId;
  }

  const requestsFor = (executionId: string) => requests.filter((r) => r.executionId === executionId).map((r) => r.action);

  interface Tracker {
    page: Page;
    executionId: string;
    /** The first button: Pause or Resume. */
    toggle: Locator;
    status: () => Promise<string>;
    /** The `progress-action` events the element fired. */
    fired: () => Promise<string[]>;
  }

  async function openTracker(): Promise<Tracker> {
    const executionId = runningExecution();
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.clock.install();
    const query = new URLSearchParams({ api: `http://127.0.0.1:${server.port}/api`, execution: executionId });
    await page.goto(`${pages.pageUrl('tracker-page')}?${query}`);
    const toggle = page.locator('workflow-tracker button.action').first();
    const tracker: Tracker = {
      page,
      executionId,
      toggle,
      status: async () => ((await page.locator('workflow-tracker [part=status]').textContent()) ?? '').trim(),
      fired: () => page.evaluate(() => (window as unknown as { fired: string[] }).fired.slice()),
    };
    await settled(tracker, 'Running', 'Pause');
    return tracker;
  }

  /** Waits until the element shows `status` and offers `button`, with no request on its way. */
  async function settled({ page }: Tracker, status: string, button: string): Promise<void> {
    await page.waitForFunction(
      ([status, button]) => {
        const root = document.querySelector('workflow-tracker')?.shadowRoot;
        const toggle = root?.querySelector('button.action');
        return (
          root?.querySelector('[part=status]')?.textContent?.trim() === status &&
          toggle?.textContent?.trim() === button &&
          ![...root!.querySelectorAll('button')].some((b) => b.getAttribute('aria-disabled') === 'true')
        );
      },
      [status, button],
    );
  }

  /**
   * Waits until every request the element made has reached the server. The element fires
   * `progress-action` synchronously in the click (or key press) that sends, so what it fired once
   * the input was dispatched is all it will send for it.
   */
  async function arrived(tracker: Tracker): Promise<void> {
    const fired = (await tracker.fired()).length;
    const end = Date.now() + 15000;
    while (requestsFor(tracker.executionId).length < fired) {
      if (Date.now() > end) throw new Error(`the server got ${requestsFor(tracker.executionId).length} of ${fired} requests`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Clicks (a press and a release of the mouse) at the middle of the first button, counted as the platform's `clickCount`th click. */
  async function clickToggle({ page, toggle }: Tracker, clickCount: number): Promise<void> {
    const box = (await toggle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down({ clickCount });
    await page.mouse.up({ clickCount });
  }

  /** A person's double click: the second click comes once the button turned (the run pauses or resumes within milliseconds). */
  async function doubleClick(tracker: Tracker, turnsInto: 'Pause' | 'Resume'): Promise<void> {
    await clickToggle(tracker, 1);
    await settled(tracker, turnsInto === 'Resume' ? 'Paused' : 'Running', turnsInto);
    await clickToggle(tracker, 2);
  }

  const hasFocus = (button: Locator) => button.evaluate((b) => (b.getRootNode() as ShadowRoot).activeElement === b);

  it('a double click on Pause sends one pause and the run stays paused; on Resume, one resume and it stays running; focus stays on the button', async () => {
    const tracker = await openTracker();
    try {
      await doubleClick(tracker, 'Resume');
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause']);
      await settled(tracker, 'Paused', 'Resume');
      assert.ok(await hasFocus(tracker.toggle), 'focus on Resume');

      // Past the double-click time, a double click on Resume: one resume.
      await tracker.page.clock.fastForward(DOUBLE_CLICK_MS + 100);
      await doubleClick(tracker, 'Pause');
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause', 'resume']);
      await settled(tracker, 'Running', 'Pause');
      assert.ok(await hasFocus(tracker.toggle), 'focus on Pause');
      assert.deepEqual(await tracker.fired(), ['pause', 'resume']);
    } finally {
      await tracker.page.context().close();
    }
  });

  it('a click within the double-click time of the button turning does nothing, and so does one counted as a second click; a click of its own after that time acts', async () => {
    const tracker = await openTracker();
    const { page } = tracker;
    try {
      // The platform may count the second click of a double click as a first (the pointer moved a
      // little): it still comes within the double-click time of Pause turning into Resume.
      await clickToggle(tracker, 1);
      await settled(tracker, 'Paused', 'Resume');
      await clickToggle(tracker, 1);
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause']);
      await settled(tracker, 'Paused', 'Resume');

      // A click the platform counts as the second of a double click is one, whenever it comes
      // (a platform's double-click time may be longer than the one assumed).
      await page.clock.fastForward(DOUBLE_CLICK_MS + 100);
      await clickToggle(tracker, 2);
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause']);

      // A click of its own, after the double-click time: taken.
      await clickToggle(tracker, 1);
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause', 'resume']);
      await settled(tracker, 'Running', 'Pause');

      // And a double click after that time: one pause, again.
      await page.clock.fastForward(DOUBLE_CLICK_MS + 100);
      await doubleClick(tracker, 'Resume');
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause', 'resume', 'pause']);
      await settled(tracker, 'Paused', 'Resume');
    } finally {
      await page.context().close();
    }
  });

  it('a held Enter sends one request however often it repeats; a held Space one, on its release', async () => {
    const tracker = await openTracker();
    const { page, toggle } = tracker;
    try {
      await toggle.focus();
      // Enter clicks a button on its keydown, and again on each repeat of a held key.
      await page.keyboard.down('Enter');
      await settled(tracker, 'Paused', 'Resume');
      for (let i = 0; i < 3; i++) await page.keyboard.down('Enter'); // the key still down: `repeat: true`
      await page.keyboard.up('Enter');
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause']);
      await settled(tracker, 'Paused', 'Resume');

      // Pressed again, a press of its own: Resume acts at once (a key press has no double-click time).
      await page.keyboard.down('Enter');
      await settled(tracker, 'Running', 'Pause');
      for (let i = 0; i < 3; i++) await page.keyboard.down('Enter');
      await page.keyboard.up('Enter');
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause', 'resume']);
      await settled(tracker, 'Running', 'Pause');

      // Space clicks on its release: held, it pauses once.
      await page.keyboard.down(' ');
      for (let i = 0; i < 3; i++) await page.keyboard.down(' ');
      await page.keyboard.up(' ');
      await arrived(tracker);
      assert.deepEqual(requestsFor(tracker.executionId), ['pause', 'resume', 'pause']);
      await settled(tracker, 'Paused', 'Resume');
      assert.ok(await hasFocus(toggle), 'focus on the button');
    } finally {
      await page.context().close();
    }
  });
});
