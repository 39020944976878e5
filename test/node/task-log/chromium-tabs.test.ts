/**
 * `<task-log>` in two tabs of one Chromium that share one connection (`shareTabs`), on the same
 * task, from a server that keeps the task's output: each tab shows every line once, in order; a
 * tab that joins late (following the tab that holds the socket) reads the start through the range
 * reads; the holding tab closed mid-stream, the other takes the socket over and misses nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../../scripts/devtools-browser.js';
import type { PageServer } from '../../../scripts/page-server.js';
import { createProgressServer, MemoryOutputStore, type ProgressServer } from '../../../src/server/index.js';
import { hasChromium } from '../helpers/chromium.js';
import { assertWholeLog, lastInView, LineTask, pageReady, pageUrl, readWhole, servePage, until } from '../helpers/task-log-chromium.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

describe('<task-log> in two tabs sharing one connection', { skip, timeout: 180_000 }, () => {
  let server: ProgressServer;
  let pages: PageServer;
  let browser: Browser;

  before(async () => {
    server = await createProgressServer({ heartbeatInterval: 0, output: new MemoryOutputStore() });
    pages = await servePage();
    browser = await Browser.launch();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.close();
  });

  const role = async (page: Page) => (await page.evaluate<{ tabs: string } | undefined>('window.bench.stats()'))?.tabs;

  async function openTab(taskId: string): Promise<Page> {
    const page = await browser.newPage();
    await page.send('Page.navigate', { url: pageUrl(pages, { api: `http://127.0.0.1:${server.port}/api`, project: 'p1', task: taskId, share: true }) });
    await pageReady(page);
    await until(async () => (await page.evaluate('window.bench.connection()')) === 'connected', 'the tab connected');
    return page;
  }

  it('a tab that joins late follows the holding tab, reads the start through the range reads, and both show every line once, in order', async (t) => {
    const task = new LineTask('p1', 'shared-late', (event) => server.publish(event));
    t.after(() => task.stop());
    await task.print(650);
    const first = await openTab('shared-late');
    t.after(() => browser.closePage(first));
    assert.equal(await role(first), 'holding');
    task.start();
    await until(async () => (await lastInView(first)) >= 670, 'live lines in the first tab');

    const late = await openTab('shared-late');
    t.after(() => browser.closePage(late));
    assert.equal(await role(late), 'following');
    const joined = task.lines;
    await until(async () => (await lastInView(late)) >= joined + 20, 'live lines in the tab that joined late');
    await task.stop();
    for (const [name, tab] of [['the first tab', first], ['the tab that joined late', late]] as const) {
      await until(async () => (await lastInView(tab)) === task.lines, `the last line (${task.lines}) in ${name}`);
      assertWholeLog(await readWhole(tab, name), task.lines, name);
    }
    // The late tab read the end, then (scrolled to the top) the lines before it.
    const lateReads = await late.evaluate<string[]>('window.bench.reads()');
    assert.equal(lateReads[0], '?limit=500', 'the end first');
    assert.ok(lateReads.some((q) => /^\?from=1&limit=\d+$/.test(q)), `a range read from line 1 (${lateReads.join(' ')})`);
  });

  it('the tab holding the connection is closed mid-stream: the other takes it over and shows every line once, in order, nothing marked missing', async (t) => {
    const task = new LineTask('p1', 'shared-handover', (event) => server.publish(event));
    t.after(() => task.stop());
    await task.print(300);
    const holder = await openTab('shared-handover');
    const follower = await openTab('shared-handover');
    t.after(() => browser.closePage(follower));
    assert.deepEqual([await role(holder), await role(follower)], ['holding', 'following']);
    task.start();
    await until(async () => (await lastInView(follower)) >= 330, 'live lines in the following tab');
    await browser.closePage(holder);
    await until(async () => (await role(follower)) === 'holding', 'the other tab holding the connection');
    const handed = task.lines;
    await until(async () => (await lastInView(follower)) >= handed + 20, 'live lines after the handover');
    await task.stop();
    await until(async () => (await lastInView(follower)) === task.lines, `the last line (${task.lines})`);
    assertWholeLog(await readWhole(follower, 'after the handover'), task.lines, 'after the handover');
  });
});
