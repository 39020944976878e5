/**
 * `<task-log>` in Chromium against reference servers whose progress log and output store are on
 * a real redis-server: a server stopped and a new one started on the same Redis and port while
 * the page stays open (the element comes back with every line once, under the same numbers,
 * nothing marked missing, and goes on live); two servers on one Redis, lines published on
 * either, a page on each showing the same lines under the same numbers, and a permalink made on
 * one opened cold on the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../../scripts/devtools-browser.js';
import type { PageServer } from '../../../scripts/page-server.js';
import { hasChromium } from '../helpers/chromium.js';
import { REDIS_SERVER, startRedis } from '../helpers/redis-server.js';
import { startRedisLogServer, type RedisLogServer } from '../helpers/redis-log-servers.js';
import { assertWholeLog, lastInView, LineTask, lineText, pageReady, pageUrl, readWhole, servePage, until } from '../helpers/task-log-chromium.js';
import { existsSync } from 'node:fs';

const skip = !hasChromium() ? 'no Chromium at /usr/bin/chromium' : !existsSync(REDIS_SERVER) ? `no ${REDIS_SERVER}` : false;

describe('<task-log> on servers that keep the log in Redis', { skip, timeout: 180_000 }, () => {
  let pages: PageServer;
  let browser: Browser;
  const open: Page[] = [];

  before(async () => {
    pages = await servePage();
    browser = await Browser.launch();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
  });

  async function openLog(url: string): Promise<Page> {
    const page = await browser.newPage();
    open.push(page);
    await page.send('Page.navigate', { url });
    await pageReady(page);
    await until(async () => (await page.evaluate('window.bench.connection()')) === 'connected', 'the page connected');
    return page;
  }

  async function closePages(): Promise<void> {
    for (const page of open.splice(0)) await browser.closePage(page);
  }

  it('the server is stopped and a new one started on the same Redis and port: every line once, the same numbers, nothing marked missing, and it goes on live', async (t) => {
    t.after(closePages);
    // Stopped before the servers and Redis (the hooks run in the order they were added).
    let server: RedisLogServer | undefined;
    const task = new LineTask('p1', 'restart', (event) => server!.publish(event));
    t.after(() => task.stop());
    const redis = await startRedis(t);
    server = await startRedisLogServer(t, redis.url);
    await task.print(600);
    const page = await openLog(pageUrl(pages, { api: server.api, project: 'p1', task: 'restart' }));
    task.start();
    await until(async () => (await lastInView(page)) >= 620, 'live lines before the restart');

    // Lines keep being printed: held by the publisher while no server runs.
    await server.stop();
    await until(async () => (await page.evaluate('window.bench.connection()')) !== 'connected', 'the page to see the server gone');
    const during = task.lines;
    await server.start();
    await until(async () => (await page.evaluate('window.bench.connection()')) === 'connected', 'the page connected again');
    await until(async () => (await lastInView(page)) >= during + 20, 'live lines after the restart');
    await task.stop();
    await until(async () => (await lastInView(page)) === task.lines, `the last line (${task.lines}) at the bottom`);

    assertWholeLog(await readWhole(page, 'after the restart'), task.lines, 'after the restart');
    await task.print(2);
    await task.flush();
    await until(async () => (await lastInView(page)) === task.lines, 'a line printed after the read at the bottom');
  });

  it('two servers on one Redis, lines published on either: a page on each shows the same lines under the same numbers; a permalink made on one opens on the other', async (t) => {
    t.after(closePages);
    // Chunks published on A and B in turn (lines cut across chunks: a line begun on one goes on through the other).
    const servers: RedisLogServer[] = [];
    const task = new LineTask('p1', 'shared', (event, i) => servers[i % 2]!.publish(event));
    t.after(() => task.stop());
    const redis = await startRedis(t);
    const a = await startRedisLogServer(t, redis.url);
    const b = await startRedisLogServer(t, redis.url);
    servers.push(a, b);
    await task.print(550);
    const onA = await openLog(pageUrl(pages, { api: a.api, project: 'p1', task: 'shared' }));
    const onB = await openLog(pageUrl(pages, { api: b.api, project: 'p1', task: 'shared' }));
    task.start();
    await until(async () => (await lastInView(onA)) >= 580 && (await lastInView(onB)) >= 580, 'live lines on both pages');
    await task.stop();
    for (const [name, page] of [['A', onA], ['B', onB]] as const) {
      await until(async () => (await lastInView(page)) === task.lines, `the last line (${task.lines}) on ${name}`);
      assertWholeLog(await readWhole(page, `the page on ${name}`), task.lines, `the page on ${name}`);
    }

    // A permalink to line 42, made on A by clicking its number, opened cold on B.
    await onA.evaluate('window.bench.scrollToLine(42)');
    await until(() => onA.evaluate<boolean>('window.bench.inView().then((rows) => rows.some((r) => r.n === 42))'), 'line 42 drawn on A');
    const hash = await onA.evaluate<string>('window.bench.clickLine(42)');
    assert.equal(hash, '#log-shared-L42');
    const cold = await openLog(pageUrl(pages, { api: b.api, project: 'p1', task: 'shared' }, hash));
    await until(async () => (await cold.evaluate<{ n: number; inView: boolean }[]>('window.bench.selected()')).some((r) => r.n === 42 && r.inView), 'line 42 highlighted and in view on B');
    assert.deepEqual(await cold.evaluate('window.bench.selection()'), { from: 42, to: 42 });
    const shown = await cold.evaluate<{ n?: number; text?: string }[]>('window.bench.inView()');
    assert.equal(shown.find((r) => r.n === 42)?.text, lineText(42), 'the same line under the same number');
    assert.deepEqual(
      (await cold.evaluate<{ n: number }[]>('window.bench.selected()')).map((r) => r.n),
      [42],
      'only that line highlighted',
    );
  });
});
