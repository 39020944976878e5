/**
 * A page with a `<task-log>` is reloaded while its task prints lines steadily, from a server that
 * keeps the task's output (a log store): after the reload the reader sees every line from 1 once,
 * in order, under the numbers it had before, and new lines keep coming. Real Chromium, a real
 * reference server; the lines before the reload are more than one read of the end holds, so the
 * reader scrolling up reads the start through the range reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../../scripts/devtools-browser.js';
import type { PageServer } from '../../../scripts/page-server.js';
import { createProgressServer, MemoryOutputStore, type ProgressServer } from '../../../src/server/index.js';
import { hasChromium } from '../helpers/chromium.js';
import { assertWholeLog, lastInView, LineTask, pageReady, pageUrl, readWhole, reload, servePage, until, type SeenRow } from '../helpers/task-log-chromium.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

describe('<task-log> reloaded mid-stream', { skip, timeout: 180_000 }, () => {
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

  for (const persist of [false, true]) {
    it(`${persist ? 'a client that keeps its position' : 'a fresh client'}: every line from 1 once, in order, the same numbers, and it goes on live`, async () => {
      const taskId = `reload-${persist ? 'kept' : 'fresh'}`;
      const task = new LineTask('p1', taskId, (event) => server.publish(event));
      await task.print(700);
      let page: Page | undefined = await browser.newPage();
      try {
        await page.send('Page.navigate', { url: pageUrl(pages, { api: `http://127.0.0.1:${server.port}/api`, project: 'p1', task: taskId, persist }) });
        await pageReady(page);
        const tab = page;
        await until(async () => (await tab.evaluate('window.bench.connection()')) === 'connected', 'the page connected');
        task.start();
        await until(async () => (await lastInView(tab)) >= 720, 'live lines at the bottom before the reload');
        const before = await tab.evaluate<SeenRow[]>('window.bench.inView()');
        assert.ok(before.length > 5, 'lines in view before the reload');

        await reload(tab);
        await until(async () => (await tab.evaluate('window.bench.connection()')) === 'connected', 'the reloaded page connected');
        const back = task.lines;
        await until(async () => (await lastInView(tab)) >= back + 20, 'live lines at the bottom after the reload');
        await task.stop();
        await until(async () => (await lastInView(tab)) === task.lines, `the last line (${task.lines}) at the bottom`);

        const rows = await readWhole(tab, 'after the reload');
        assertWholeLog(rows, task.lines, 'after the reload');
        // What was in view before the reload is there under the same numbers.
        const now = new Map(rows.flatMap((r) => ('n' in r ? [[r.n, r.text] as const] : [])));
        // (The last of them may have been open, its end still to come.)
        for (const r of before.slice(0, -1)) if ('n' in r) assert.equal(now.get(r.n), r.text, `line ${r.n} as before the reload`);
        // And it still follows: new lines come at the bottom.
        await task.print(3);
        await task.flush();
        await until(async () => (await lastInView(tab)) === task.lines, 'a line printed after the read at the bottom');
      } finally {
        await task.stop();
        if (page) await browser.closePage(page);
        page = undefined;
      }
    });
  }
});
