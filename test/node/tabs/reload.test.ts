/**
 * A tab of a share is reloaded while events stream in: it comes back (as a follower, or as the
 * holder) from the position it kept, and shows every event exactly once, in order, or says it
 * resynced. Real tabs of one Chromium, a real reference server, and a page whose module takes
 * 0.7 s to load (as on a slow network), so that events are published while the tab has no page.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../../scripts/devtools-browser.js';
import { startPageServer, type PageServer } from '../../../scripts/page-server.js';
import { createProgressServer, type ProgressServer } from '../../../src/server/index.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { hasChromium } from '../helpers/chromium.js';
import { until as poll } from '../../shared/until.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

/** ms the page's module takes to arrive. */
const MODULE_DELAY = 700;
/** ms between two published events. */
const PUBLISH_EVERY = 20;

/** Polls with the tests' one helper, with this file's bounds. */
const until = (check: () => boolean | Promise<boolean>, what: string, timeout = 15000): Promise<void> => poll(check, what, timeout, 50);

interface SlowProxy {
  readonly origin: string;
  close(): Promise<void>;
}

/** Passes requests on to `target`, holding back every script by `delay` ms. */
async function slowProxy(target: string, delay: number): Promise<SlowProxy> {
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const forward = () => {
      const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    };
    if (!/\.js$/.test(new URL(req.url ?? '/', 'http://x').pathname)) return forward();
    const timer = setTimeout(() => {
      timers.delete(timer);
      forward();
    }, delay);
    timers.add(timer);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

const step = (projectId: string, n: number): ProgressEvent => ({
  type: 'step_progress', projectId, taskId: 't1', timestamp: new Date().toISOString(), stepId: `s${n}`, step: `Step ${n}`, status: 'running', progress: n % 100,
});

describe('a tab of a share is reloaded while events stream in', { skip, timeout: 120_000 }, () => {
  let server: ProgressServer;
  let pages: PageServer;
  let proxy: SlowProxy;
  let browser: Browser;
  let url: string;
  let published = 0;
  const tabs: Page[] = [];

  before(async () => {
    server = await createProgressServer({ heartbeatInterval: 0 });
    pages = await startPageServer(new URL('./', import.meta.url), ['tab-page']);
    proxy = await slowProxy(pages.origin, MODULE_DELAY);
    browser = await Browser.launch();
    const params = new URLSearchParams({ url: `${server.url}/api/progress/subscribe/{projectId}`, projects: 'p1', share: '1', persist: '1' });
    url = `${proxy.origin}/tab-page.html?${params}`;
    for (let i = 0; i < 2; i++) {
      const page = await browser.newPage();
      await page.goto(url);
      tabs.push(page);
    }
    await until(async () => (await roles()).sort().join() === 'following,holding', 'one tab holding, one following');
    for (const tab of tabs) await until(async () => (await tab.call('connection', 'p1')) === 'connected', 'both tabs connected');
  });
  after(async () => {
    await browser?.close();
    await proxy?.close();
    await pages?.close();
    await server?.close();
  });

  const roles = () => Promise.all(tabs.map(async (tab) => (await tab.call<{ tabs: string } | undefined>('stats'))?.tabs ?? 'none'));
  const tabThat = async (role: string) => tabs[(await roles()).indexOf(role)]!;

  /** Reloads a tab and waits for its new page (the old one marked, so that its `bench` is not taken for the new one's). */
  async function reload(tab: Page): Promise<void> {
    await tab.evaluate('window.reloading = true');
    await tab.send('Page.reload', { ignoreCache: true });
    // While the new page loads there is no context to evaluate in for a moment.
    await until(() => tab.evaluate<boolean>('typeof window.bench === "object" && !window.reloading').catch(() => false), 'the reloaded page');
  }

  /** Publishes one event every PUBLISH_EVERY ms until the returned function is called (which resolves once it stopped). */
  function stream(): () => Promise<void> {
    let on = true;
    const running = (async () => {
      while (on) {
        void server.publish(step('p1', ++published));
        await new Promise((r) => setTimeout(r, PUBLISH_EVERY));
      }
    })();
    return async () => {
      on = false;
      await running;
    };
  }

  /** Every tab shows 1..published once each, in order, or says it resynced. */
  async function everyTabShowsAll(): Promise<void> {
    for (const [i, tab] of tabs.entries()) {
      await until(async () => (await tab.call<string>('notice')) !== '' || (await tab.call<number[]>('output', 'p1')).at(-1) === published, `tab ${i} to show event ${published}`);
      const shown = await tab.call<number[]>('output', 'p1');
      const notice = await tab.call<string>('notice');
      const missing = Array.from({ length: published }, (_, k) => k + 1).filter((n) => !shown.includes(n));
      assert.ok(notice !== '' || missing.length === 0, `tab ${i} misses ${missing.join(', ')} without saying it resynced`);
      assert.ok(shown.every((n, k) => k === 0 || n > shown[k - 1]!), `tab ${i}: in order, none twice (${shown.join(' ')})`);
      if (notice === '') assert.deepEqual(shown, Array.from({ length: published }, (_, k) => k + 1), `tab ${i}: every event once`);
    }
  }

  for (const role of ['following', 'holding']) {
    it(`the tab ${role === 'following' ? 'following' : 'holding the sockets'} is reloaded mid-stream: it shows every event once, in order`, async () => {
      const tab = await tabThat(role);
      const stop = stream();
      try {
        const from = published;
        await until(async () => (await tab.call<number[]>('output', 'p1')).length >= from + 5, 'some events in the tab before its reload');
        await reload(tab);
        await until(async () => (await tab.call('connection', 'p1')) === 'connected', 'the reloaded tab connected');
        const back = published;
        await until(() => published >= back + 10, 'events published after the reload');
      } finally {
        await stop();
      }
      await everyTabShowsAll();
      const after = await roles();
      assert.deepEqual([...after].sort(), ['following', 'holding'], 'one tab holds, the other follows');
      for (const [i, t] of tabs.entries()) assert.equal(await t.call('notice'), '', `tab ${i} had nothing to resync`);
    });
  }

  it('the only tab of the share is reloaded mid-stream: it comes back holding the sockets, from its kept position', async () => {
    const other = await tabThat('following');
    await browser.closePage(other);
    tabs.splice(tabs.indexOf(other), 1);
    const tab = tabs[0]!;
    const stop = stream();
    try {
      const from = published;
      await until(async () => (await tab.call<number[]>('output', 'p1')).length >= from + 5, 'some events in the tab before its reload');
      await reload(tab);
      await until(async () => (await tab.call('connection', 'p1')) === 'connected', 'the reloaded tab connected');
      const back = published;
      await until(() => published >= back + 10, 'events published after the reload');
    } finally {
      await stop();
    }
    await everyTabShowsAll();
    assert.deepEqual(await roles(), ['holding']);
    assert.equal(await tab.call('notice'), '', 'nothing to resync');
  });
});
