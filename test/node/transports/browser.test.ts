/**
 * Elements in Chromium behind what the field puts between a page and its server: a proxy of the
 * tests' own that refuses upgrades (403, a reset), passes the upgrade and drops every frame, or
 * passes everything, and a real nginx with its defaults (buffering on, no upgrade headers). In
 * each the elements are live within a stated bound from the page's start, every event comes once
 * and in order (across the move back to WebSocket where there is one), and the page leaves
 * nothing open at the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../../scripts/devtools-browser.js';
import { startPageServer, type PageServer } from '../../../scripts/page-server.js';
import { createProgressServer, type ProgressServer } from '../../../src/server/index.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { hasChromium } from '../helpers/chromium.js';
import { startBlockingProxy, type ProxyMode } from '../helpers/blocking-proxy.js';
import { startPlainNginx } from '../helpers/plain-nginx.js';
import { until as poll } from '../../shared/until.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';
/** The bound on a silent socket the page is given, ms. */
const FIRST_FRAME_TIMEOUT = 1000;
/** Live within these, ms from the page's start: a refused upgrade (or none refused), a silent one. */
const REFUSED_BOUND = 1000;
const SILENT_BOUND = FIRST_FRAME_TIMEOUT + 1000;

const step = (n: number): ProgressEvent =>
  ({ type: 'step_progress', projectId: 'p', taskId: 't1', timestamp: new Date().toISOString(), stepId: `s${n}`, step: `Step ${n}`, status: 'running', progress: n }) as ProgressEvent;

/** Polls with the tests' one helper, with this file's bounds. */
const until = (check: () => Promise<boolean> | boolean, what: string, timeout = 10000): Promise<void> => poll(check, what, timeout, 20);

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('elements behind proxies that get in the way', { skip, timeout: 180_000 }, () => {
  let server: ProgressServer;
  let pages: PageServer;
  let tabPages: PageServer;
  let browser: Browser;
  /** Events published so far (their seq is their number). */
  let published = 0;

  before(async () => {
    server = await createProgressServer({ heartbeatInterval: 0 });
    pages = await startPageServer(new URL('./pages/', import.meta.url), ['transport-page']);
    tabPages = await startPageServer(new URL('../tabs/', import.meta.url), ['tab-page']);
    browser = await Browser.launch();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await tabPages?.close();
    await server?.close();
  });

  async function open(port: number, query: Record<string, string> = {}): Promise<Page> {
    const page = await browser.newPage();
    const url = `ws://127.0.0.1:${port}/api/progress/subscribe/{projectId}`;
    const params = new URLSearchParams({ url, firstFrameTimeout: String(FIRST_FRAME_TIMEOUT), ...query });
    await page.goto(`${pages.pageUrl('transport-page')}?${params}`);
    return page;
  }

  /**
   * Publishes `count` steps and waits until the page has every event since it opened (after
   * `base`), once and in order, and shows the last.
   */
  async function deliver(page: Page, base: number, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await server.publish(step(++published));
    await until(async () => (await page.call<number[]>('received')).length >= published - base, `events up to ${published}`);
    assert.deepEqual(await page.call<number[]>('received'), range(base + 1, published), 'each once, in order');
    await until(async () => (await page.call<string>('text', 't1')).includes(`Step ${published}`), `the element showing step ${published}`);
  }

  async function leave(page: Page): Promise<void> {
    await page.call('leave');
    await browser.closePage(page);
    await until(() => server.clientCount === 0, 'the server holding nothing of the page');
  }

  const cases: [ProxyMode, 'websocket' | 'sse', number][] = [
    ['pass', 'websocket', REFUSED_BOUND],
    ['refuse-403', 'sse', REFUSED_BOUND],
    ['reset', 'sse', REFUSED_BOUND],
    ['drop-frames', 'sse', SILENT_BOUND],
  ];
  for (const [mode, over, bound] of cases) {
    it(`through a proxy (${mode}): live over ${over} within ${bound} ms of the page's start${over === 'sse' ? ', then back on WebSocket without a gap or a duplicate' : ''}`, async (t) => {
      const proxy = await startBlockingProxy(t, server.port, mode);
      const base = published;
      const page = await open(proxy.port, { retry: '300' });
      await until(async () => (await page.call('live')) !== undefined, 'live');
      const live = await page.call<{ at: number; over: string }>('live');
      t.diagnostic(`${mode}: live over ${live.over} ${live.at.toFixed(0)} ms after the page's start`);
      assert.equal(live.over, over);
      assert.ok(live.at < bound, `live ${live.at} ms after the start`);
      await deliver(page, base, 10);
      if (over === 'sse') {
        proxy.mode = 'pass';
        await until(async () => (await page.call('transport')) === 'websocket', 'back on WebSocket');
        await deliver(page, base, 10);
      }
      await leave(page);
    });
  }

  it(`behind nginx without upgrade headers (buffering on): live over a stream within ${REFUSED_BOUND} ms`, async (t) => {
    const nginx = await startPlainNginx(t, server.port, { upgrades: false });
    const base = published;
    const page = await open(nginx.port);
    await until(async () => (await page.call('live')) !== undefined, 'live');
    const live = await page.call<{ at: number; over: string }>('live');
    t.diagnostic(`nginx: live over ${live.over} ${live.at.toFixed(0)} ms after the page's start`);
    assert.equal(live.over, 'sse');
    assert.ok(live.at < REFUSED_BOUND, `live ${live.at} ms after the start`);
    await deliver(page, base, 10);
    await leave(page);
  });

  it('two tabs that share sockets, with the upgrade refused: one stream for both, every event once and in order in each', async (t) => {
    const proxy = await startBlockingProxy(t, server.port, 'refuse-403');
    const base = published;
    const url = `ws://127.0.0.1:${proxy.port}/api/progress/subscribe/{projectId}`;
    const tabs: Page[] = [];
    for (let i = 0; i < 2; i++) {
      const tab = await browser.newPage();
      await tab.goto(`${tabPages.pageUrl('tab-page')}?${new URLSearchParams({ url, projects: 'p', share: 'sse-test' })}`);
      tabs.push(tab);
    }
    for (const tab of tabs) await until(async () => (await tab.call('connection', 'p')) === 'connected', 'each tab live');
    await until(() => server.clientCount === 1, 'one stream at the server for both tabs');
    assert.ok(proxy.requests >= 1 && proxy.upgrades >= 1, 'the holder fell back to a stream');
    for (let i = 0; i < 10; i++) await server.publish(step(++published));
    for (const tab of tabs) {
      await until(async () => (await tab.call<number[]>('received', 'p')).length >= 10, 'ten events in each tab');
      assert.deepEqual(await tab.call<number[]>('received', 'p'), range(base + 1, published));
    }
    assert.equal(server.clientCount, 1);
    for (const tab of tabs) assert.equal((await tab.call<{ transport: string }>('stats')).transport, 'sse', 'each tab says which transport the shared socket uses');
    for (const tab of tabs) {
      await tab.call('leave');
      await browser.closePage(tab);
    }
    await until(() => server.clientCount === 0, 'the server holding nothing of the tabs');
  });
});
