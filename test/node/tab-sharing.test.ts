/**
 * One socket per browser: tabs of one Chromium share the sockets of a server (Web Locks and
 * BroadcastChannel), against a real reference server that counts its sockets. The tabs are real
 * tabs (DevTools targets of one browser context); closing, freezing and reopening them is what a
 * user does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Page } from '../../scripts/devtools-browser.js';
import { startPageServer, type PageServer } from '../../scripts/page-server.js';
import { createProgressServer, type ProgressServer } from '../../src/server/index.js';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { hasChromium } from './helpers/chromium.js';
import { until as poll } from '../shared/until.js';

const skip = hasChromium() ? false : 'no Chromium at /usr/bin/chromium';

interface Tab {
  page: Page;
  /** Events published per project before the tab opened (it gets those that follow). */
  base: number;
  call<T>(name: string, ...args: unknown[]): Promise<T>;
}

const now = () => new Date().toISOString();
const step = (projectId: string, taskId: string, n: number): ProgressEvent => ({
  type: 'step_progress', projectId, taskId, timestamp: now(), stepId: `s${n}`, step: `Step ${n}`, status: 'running', progress: n % 100,
});

/** Polls with the tests' one helper, with this file's bounds. */
const until = (check: () => boolean | Promise<boolean>, what: string, timeout = 15000): Promise<void> => poll(check, what, timeout, 50);

describe('tabs share one socket per URL', { skip, timeout: 240_000 }, () => {
  let server: ProgressServer;
  let pages: PageServer;
  let browser: Browser;
  const open: Tab[] = [];
  let published = 0;

  before(async () => {
    server = await createProgressServer({ heartbeatInterval: 0 });
    pages = await startPageServer(new URL('./tabs/', import.meta.url), ['tab-page']);
    browser = await Browser.launch();
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.close();
  });

  const socketUrl = () => `${server.url}/api/progress/subscribe/{projectId}`;

  async function openTab(query: Record<string, string> = {}): Promise<Tab> {
    const page = await browser.newPage();
    const params = new URLSearchParams({ url: socketUrl(), projects: 'p1,p2', share: '1', ...query });
    await page.goto(`${pages.pageUrl('tab-page')}?${params}`);
    const tab: Tab = { page, base: published, call: (name, ...args) => page.call(name, ...args) };
    open.push(tab);
    return tab;
  }

  async function closeTab(tab: Tab): Promise<void> {
    open.splice(open.indexOf(tab), 1);
    await browser.closePage(tab.page);
  }

  const socketsOf = (projectId: string) => server.clients().filter((c) => c.projectId === projectId).length;
  const holder = async (tabs: Tab[]) => {
    for (const tab of tabs) if ((await tab.call<{ tabs: string }>('stats')).tabs === 'holding') return tab;
    return undefined;
  };
  /** Publishes n events to each project's task t1, numbered on from the last. */
  const publish = (n: number) => {
    for (let i = 0; i < n; i++) {
      published++;
      void server.publish(step('p1', 't1', published));
      void server.publish(step('p2', 't1', published));
    }
  };
  /** Every tab got every event of a project exactly once, in order, since it opened (`total`: all published). */
  async function everyTabGotAll(tabs: Tab[], all: number): Promise<void> {
    for (const tab of tabs) {
      const total = all - tab.base;
      for (const projectId of ['p1', 'p2']) {
        await until(async () => (await tab.call<number[]>('received', projectId)).length >= total, `${projectId} events in a tab`).catch(async (error: Error) => {
          const got = await tab.call<number[]>('received', projectId);
          const missing = [];
          for (let i = 1; i < got.length; i++) if (got[i]! - got[i - 1]! > 2) missing.push(`${got[i - 1]}..${got[i]}`);
          throw new Error(`${error.message}: ${got.length} of ${total} (gaps ${missing}; tab ${open.indexOf(tab)}, ${(await tab.call<{ tabs: string }>('stats')).tabs})`);
        });
        const seqs = await tab.call<number[]>('received', projectId);
        assert.equal(seqs.length, total, 'no event twice');
        assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'in order');
      }
    }
  }

  it('five tabs with elements of two projects: the server sees one socket per project, and every tab every event', async () => {
    const tabs: Tab[] = [];
    for (let i = 0; i < 5; i++) tabs.push(await openTab());
    await until(() => socketsOf('p1') === 1 && socketsOf('p2') === 1, 'one socket per project');
    await until(async () => (await holder(tabs)) !== undefined, 'a tab holding the sockets');
    for (const tab of tabs) await until(async () => (await tab.call('connection', 'p1')) === 'connected', 'every tab connected');
    publish(20);
    await everyTabGotAll(tabs, 20);
    assert.equal(server.clientCount, 2, 'two sockets for five tabs');
    for (const tab of tabs) await until(async () => /Running/.test(await tab.call<string>('text', 'p1', 't1')), 'every tab showing the task running');
  });

  it('the tab holding the sockets is closed mid-stream: another takes over, and every other tab got every event once, in order', async () => {
    const tabs = [...open];
    const leader = (await holder(tabs))!;
    const rest = tabs.filter((t) => t !== leader);
    let publishing = true;
    const stream = (async () => {
      while (publishing) {
        publish(1);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // Every tab has `past` events of p1 beyond those published when it opened.
    const receivingPast = (past: number) => async () => {
      for (const tab of rest) if ((await tab.call<number[]>('received', 'p1')).length < past - tab.base) return false;
      return true;
    };
    await until(receivingPast(published + 10), 'every tab receiving the stream');
    const closedAt = Date.now();
    await closeTab(leader);
    await until(async () => (await holder(rest)) !== undefined, 'a new holder', 5000);
    const tookOver = Date.now() - closedAt;
    await until(receivingPast(published + 10), 'every tab receiving the stream through the new holder');
    publishing = false;
    await stream;
    // Every tab was open before the first event: each has every event published, once, in order.
    await everyTabGotAll(rest, published);
    await until(() => socketsOf('p1') === 1 && socketsOf('p2') === 1, 'one socket per project again');
    assert.ok(tookOver < 3000, `taken over in ${tookOver} ms`);
  });

  it('a tab with another share key has its own socket; a tab opened late shows the current state at once', async () => {
    const other = await openTab({ share: 'another-user', projects: 'p1' });
    await until(() => socketsOf('p1') === 2, 'a socket of its own');
    assert.equal((await other.call<{ tabs: string }>('stats')).tabs, 'holding', 'it holds its own share');
    await closeTab(other);
    await until(() => socketsOf('p1') === 1, 'its socket closed with it');
    // A new tab of the first share: what the holder knows, at once, though no event comes.
    const late = await openTab();
    await until(async () => /Running/.test(await late.call<string>('text', 'p1', 't1')), 'the current state in the late tab', 3000);
    assert.equal(socketsOf('p1'), 1, 'still one socket');
  });

  it('the tab holding the sockets hangs: the others notice its silence and take over; back, it follows', async () => {
    const tabs = [...open];
    const leader = (await holder(tabs))!;
    const rest = tabs.filter((t) => t !== leader);
    // Its main thread stops for 9 s, as a frozen or hung tab's does: it answers nothing, its lock stays held.
    const hung = leader.page.send('Runtime.evaluate', { expression: 'for (const end = Date.now() + 9000; Date.now() < end; );' });
    try {
      await until(async () => (await holder(rest)) !== undefined, 'a tab to take over from the silent one', 15000);
      publish(5);
      await everyTabGotAll(rest, published);
    } finally {
      await hung;
    }
    await until(async () => (await leader.call<{ tabs: string }>('stats')).tabs === 'following', 'the thawed tab to follow');
    await until(() => socketsOf('p1') === 1 && socketsOf('p2') === 1, 'one socket per project again');
    publish(5);
    // The thawed tab too: what it missed while frozen came through its own socket or the channel, once.
    await everyTabGotAll(tabs, published);
  });

  it('every tab tells the truth about the shared socket: reconnecting while the server is down, then live again, nothing lost', async () => {
    const tabs = [...open];
    const { port, log } = server;
    await server.close();
    for (const tab of tabs) await until(async () => (await tab.call('connection', 'p1')) === 'reconnecting', 'every tab to say reconnecting');
    server = await createProgressServer({ port, log, heartbeatInterval: 0 });
    for (const tab of tabs) await until(async () => (await tab.call('connection', 'p1')) === 'connected', 'every tab connected again');
    publish(3);
    await everyTabGotAll(tabs, published);
  });

  it('the token stays in the tab that opens the socket: the channel never carries it', async () => {
    const secret = 'tab-secret-token';
    const guarded = await createProgressServer({ heartbeatInterval: 0, authenticate: (token) => token === secret });
    try {
      const url = `${guarded.url}/api/progress/subscribe/{projectId}`;
      const first = await openTab({ url, token: secret, projects: 'p1', spy: `aintandem-progress:${url}#` });
      const second = await openTab({ url, token: secret, projects: 'p1' });
      await until(() => guarded.clientCount === 1, 'one socket for both');
      void guarded.publish(step('p1', 't1', 1));
      await until(async () => (await second.call<number[]>('received', 'p1')).length === 1, 'the event in both tabs');
      const heard = await first.call<string[]>('heard');
      assert.ok(heard.length > 0, 'the spy heard the share');
      assert.ok(heard.every((m) => !m.includes(secret)), 'no message holds the token');
      await closeTab(first);
      await closeTab(second);
    } finally {
      await guarded.close();
    }
  });

  it('tabs come and go 200 times: no subscription, lock or socket is left behind', async () => {
    const stay = open[0]!;
    const prefix = `aintandem-progress:${socketUrl()}#:`;
    /** The locks of the share, held and waited for, as `name@client` (any tab of the origin sees them all). */
    const locksOf = async (tab: Tab) => (await tab.call<string[]>('locks')).filter((name) => name.startsWith(prefix)).map((n) => n.slice(prefix.length));
    /** Locks of clients that hold no presence lock: of a tab whose share is gone. */
    const orphans = (locks: string[]) => {
      const present = new Set(locks.filter((n) => n.startsWith('tab:')).map((n) => n.split('@')[1]));
      return locks.filter((n) => !present.has(n.split('@')[1]!.replace(/\?$/, '')));
    };
    for (let i = 0; i < 200; i++) {
      const tab = await openTab({ projects: i % 2 === 0 ? 'p1' : 'p3' });
      if (i % 2 === 0) {
        // A page that tears its client down before it goes: its subscriptions and locks go with it.
        const me = await tab.call<string>('me');
        const stats = await tab.call<{ subscriptions: number }>('leave');
        assert.ok(stats.subscriptions > 0);
        assert.equal(await tab.call('stats'), undefined, 'no client configured any more');
        await until(async () => !(await locksOf(tab)).some((n) => n.includes(`@${me}`)), `its locks released (round ${i})`);
      }
      await closeTab(tab);
    }
    // Each open tab holds its presence lock and holds, or waits for, the leader lock; nothing else is left.
    await until(async () => {
      const locks = await locksOf(stay);
      return locks.length === 2 * open.length && orphans(locks).length === 0;
    }, 'only the locks of the tabs open now');
    // A closed tab's need goes once the holder sees its presence lock gone: allow a loaded machine time.
    await until(() => socketsOf('p3') === 0, 'no socket for the project only closed tabs wanted', 45_000);
    assert.equal(socketsOf('p1'), 1);
    assert.equal(socketsOf('p2'), 1);
  });


});

