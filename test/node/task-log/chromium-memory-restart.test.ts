/**
 * `<task-log>` in Chromium when the reference server restarts without its log (an output store
 * in memory, lost with the process): the new server numbers the task's output from 1 again. The
 * page keeps the lines it has under their numbers, says where lines may be missing, shows the new
 * lines after them (never under numbers the page already shows), and says which earlier lines it
 * can no longer read instead of reading the new server's lines into their place.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from '../../../scripts/devtools-browser.js';
import type { PageServer } from '../../../scripts/page-server.js';
import { createProgressServer, MemoryOutputStore, type ProgressServer } from '../../../src/server/index.js';
import { hasChromium } from '../helpers/chromium.js';
import { lastInView, LineTask, lineText, pageReady, pageUrl, readAll, servePage, until, type SeenRow } from '../helpers/task-log-chromium.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

const start = (port = 0) => createProgressServer({ port, host: '127.0.0.1', heartbeatInterval: 0, output: new MemoryOutputStore() });

describe('<task-log> when the server restarts without its log', { skip, timeout: 120_000 }, () => {
  let server: ProgressServer | undefined;
  let pages: PageServer;
  let browser: Browser;

  before(async () => {
    pages = await servePage();
    browser = await Browser.launch();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.close();
  });

  it('keeps its lines and numbers, marks where lines may be missing, numbers the new lines on, and says which earlier lines it cannot read', async (t) => {
    server = await start();
    const port = server.port;
    // A publisher that waits while no server runs (as a backend that retries).
    const task = new LineTask('p1', 'lost', async (event) => {
      await until(() => server !== undefined, 'a server to publish to');
      return server!.publish(event);
    });
    t.after(() => task.stop());
    // More lines than the end read takes: lines 1–100 are not loaded when the server goes.
    await task.print(600);
    await task.flush();
    const page = await browser.newPage();
    t.after(() => browser.closePage(page));
    await page.send('Page.navigate', { url: pageUrl(pages, { api: `http://127.0.0.1:${port}/api`, project: 'p1', task: 'lost' }) });
    await pageReady(page);
    await until(async () => (await lastInView(page)) === 600, 'line 600 at the bottom');

    const old = server;
    server = undefined;
    await old.close();
    await until(async () => (await page.evaluate('window.bench.connection()')) !== 'connected', 'the page to see the server gone');
    server = await start(port);
    await until(async () => (await page.evaluate('window.bench.connection()')) === 'connected', 'the page connected again');
    await task.print(30);
    await task.flush();
    await until(async () => (await lastInView(page)) === 630, 'the new lines at the bottom, numbered on');

    const rows = await readAll(page);
    const lines = rows.filter((r): r is Extract<SeenRow, { n: number }> => 'n' in r);
    const numbers = lines.map((l) => l.n);
    assert.deepEqual(numbers, Array.from({ length: 530 }, (_, i) => i + 101), 'lines 101–630, each once, in order');
    assert.deepEqual(lines.filter((l) => l.text !== lineText(l.n)).slice(0, 5), [], 'each line under its own number');
    const markers = rows.filter((r): r is Extract<SeenRow, { gap: string }> => 'gap' in r);
    assert.deepEqual(
      markers.map((m) => [m.reason, m.gap]),
      [
        ['pending', 'Lines 1–100 are not shown'],
        ['missing', 'Lines may be missing here: the connection was interrupted'],
      ],
    );
    assert.equal(await page.evaluate('window.bench.notice()'), '', 'no notice that the page joined late: it did not');
    // The marker of lines that may be missing stands between line 600 and line 601.
    const at = rows.findIndex((r) => 'gap' in r && r.reason === 'missing');
    assert.deepEqual([rows[at - 1], rows[at + 1]], [{ n: 600, text: lineText(600) }, { n: 601, text: lineText(601) }]);
    // No read of the new server's lines into the old numbers.
    const reads = await page.evaluate<string[]>('window.bench.reads()');
    assert.deepEqual(reads.filter((q) => /from=1&/.test(q)), [], `reads: ${reads.join(' ')}`);
  });
});
