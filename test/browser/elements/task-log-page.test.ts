import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../../../src/elements/define/task-log.js';
import type { TaskLogElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient, resetProgress } from '../../../src/elements/index.js';
import { MAX_SCROLL_HEIGHT, Viewport } from '../../../src/elements/task-log/log-viewport.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { part, parts, record, task } from './support.js';

function numbers(el: TaskLogElement): number[] {
  return parts(el, 'line').map((l) => Number(l.dataset.line));
}
const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}`).join('\n') + '\n';

describe('<task-log> on the page, without a log store', () => {
  // A server without a log store, as AInTandem today: the log is what the page sees live.
  let server: TestServer;

  before(async () => {
    server = await TestServer.create({ output: false });
  });
  after(async () => {
    await server.dispose();
  });

  beforeEach(() => {
    configureProgress({ url: server.apiBase, lingerTime: 50, persist: false });
  });

  afterEach(() => {
    fixtureCleanup();
    resetProgress();
    history.replaceState(null, '', location.pathname + location.search);
    document.documentElement.style.colorScheme = '';
  });

  async function follow(projectId: string, taskId: string, timestamps = false) {
    const el = await fixture<TaskLogElement>(html`<task-log project-id=${projectId} task-id=${taskId} ?timestamps=${timestamps}></task-log>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    await waitFor(() => !!part(el, 'notice'), 'the joined-at notice', 10000);
    return el;
  }

  it('opened with a permalink fragment, scrolls to its lines once they come and highlights them', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'deploy');
    history.replaceState(null, '', '#log-deploy-L150-L152');
    const el = await follow(projectId, 'deploy');
    await server.publish(t.output(many(1, 400)));
    await waitFor(() => numbers(el).includes(150), 'line 150 in view', 5000);
    await el.updateComplete;
    expect(numbers(el)).not.to.include(400);
    const selected = parts(el, 'line-selected').map((l) => Number(l.dataset.line));
    expect(selected).to.deep.equal([150, 151, 152]);
    expect(el.selection).to.deep.equal({ from: 150, to: 152 });
    // Still there as more lines come: the view does not follow while the reader looks at a permalink.
    await server.publish(t.output(many(401, 20)));
    await waitFor(() => twentyNew(el), 'the new-lines count', 5000);
    expect(numbers(el)).to.include(150);
  });

  it('selects a line by its number, Shift+click a range, and the URL fragment says which', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'perma');
    const el = await follow(projectId, 'perma');
    await server.publish(t.output(many(1, 10)));
    await waitFor(() => numbers(el).includes(10), 'the lines', 5000);
    const selects = record<CustomEvent<{ from: number; to: number }>>(el, 'task-log-select');
    const num = (n: number) => el.shadowRoot!.querySelector<HTMLAnchorElement>(`[data-line="${n}"] [part~="line-number"]`)!;
    expect(num(3).getAttribute('href')).to.equal('#log-perma-L3');
    expect(num(3).getAttribute('aria-label')).to.equal('Line 3');
    num(3).click();
    await el.updateComplete;
    expect(location.hash).to.equal('#log-perma-L3');
    num(6).dispatchEvent(new MouseEvent('click', { shiftKey: true, bubbles: true, cancelable: true, composed: true }));
    await el.updateComplete;
    expect(location.hash).to.equal('#log-perma-L3-L6');
    expect(parts(el, 'line-selected').map((l) => Number(l.dataset.line))).to.deep.equal([3, 4, 5, 6]);
    expect(selects.events.map((e) => e.detail)).to.deep.equal([
      { from: 3, to: 3 },
      { from: 3, to: 6 },
    ]);
  });

  it('with `timestamps`, shows each line\'s time in the page\'s time zone and the full time on hover', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'times');
    const el = await follow(projectId, 'times', true);
    const at = '2026-03-04T05:06:07.000Z';
    await server.publish({ ...t.output('stamped\n'), timestamp: at });
    await waitFor(() => parts(el, 'timestamp').length === 1, 'the time', 5000);
    const stamp = part(el, 'timestamp')!;
    const local = new Date(at);
    const two = (n: number) => String(n).padStart(2, '0');
    expect(stamp.dataset.t).to.equal(`${two(local.getHours())}:${two(local.getMinutes())}:${two(local.getSeconds())}`);
    expect(getComputedStyle(stamp, '::before').content).to.equal(`"${stamp.dataset.t}"`);
    expect(stamp.title).to.equal(at);
    el.timestamps = false;
    await el.updateComplete;
    expect(parts(el, 'timestamp')).to.deep.equal([]);
  });

  it('unsubscribes when removed: no subscription, socket or listener left', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'gone');
    const el = await follow(projectId, 'gone');
    const client = getProgressClient()!;
    expect(client.getSubscriptionCount()).to.equal(1);
    await server.publish(t.output('before\n'));
    await waitFor(() => numbers(el).includes(1), 'the line', 5000);
    el.remove();
    expect(client.getSubscriptionCount()).to.equal(0);
    await waitFor(() => client.getStats().sockets === 0, 'the socket to close after its linger time', 5000);
    // Events for it reach nothing: the element stays as it was.
    await server.publish(t.output('after\n'));
    expect(numbers(el)).to.deep.equal([1]);
    // Back in the page, it follows again.
    document.body.append(el);
    await waitFor(() => client.getSubscriptionCount() === 1, 'a new subscription', 5000);
    el.remove();
  });

  it('is accessible in light, dark and with a selection and an open step', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'axe');
    const el = await follow(projectId, 'axe', true);
    await server.publish(
      t.started(),
      t.step('s1', 'running', { output: '\x1b[32mok\x1b[0m https://example.com\n' }),
      t.step('s1', 'completed'),
      t.step('s2', 'running', { output: many(1, 5) }),
    );
    await waitFor(() => parts(el, 'group-header').length === 2, 'the steps', 5000);
    await expect(el).to.be.accessible();
    document.documentElement.style.colorScheme = 'dark';
    el.shadowRoot!.querySelector<HTMLAnchorElement>('[part~="line-number"]')!.click();
    await el.updateComplete;
    await expect(el).to.be.accessible();
    // Forced colours and reduced motion: still accessible; the selection and the chevron follow.
    await emulateMedia({ forcedColors: 'active', reducedMotion: 'reduce' });
    try {
      await el.updateComplete;
      await expect(el).to.be.accessible();
      const chevron = el.shadowRoot!.querySelector('.chevron')!;
      expect(getComputedStyle(chevron, '::before').transitionDuration).to.equal('0s');
      // (Chromium headless does not emulate forced colours: the rules are checked instead.)
      const rules = el.shadowRoot!.adoptedStyleSheets.flatMap((sheet) => [...sheet.cssRules]);
      const forced = rules.filter((r): r is CSSMediaRule => r instanceof CSSMediaRule && r.conditionText.includes('forced-colors: active'));
      expect(forced.map((r) => r.cssText).join('\n').toLowerCase()).to.contain('background: highlight');
    } finally {
      await emulateMedia({ forcedColors: 'none', reducedMotion: 'no-preference' });
    }
    // The live region says the task's status and step.
    await waitFor(() => (el.shadowRoot!.querySelector('.visually-hidden[role="status"]')?.textContent ?? '').includes('Running'), 'the announcement', 5000);
  });

  it('marks the place where a reconnection may have missed lines', async () => {
    const forgetful = await TestServer.create({ output: false, replayBufferSize: 5 });
    try {
      configureProgress({ url: forgetful.apiBase, lingerTime: 50, persist: false, reconnectDelay: 50 });
      const projectId = uniqueId('p');
      const t = task(projectId, 'gap');
      const el = await fixture<TaskLogElement>(html`<task-log project-id=${projectId} task-id="gap"></task-log>`);
      await waitFor(() => !!part(el, 'notice'), 'the joined-at notice', 10000);
      await forgetful.publish(t.output(many(1, 3)));
      await waitFor(() => numbers(el).includes(3), 'the first lines', 5000);
      await forgetful.stall(true);
      for (let i = 0; i < 10; i++) await forgetful.publish(t.output('lost\n'));
      await forgetful.drop({ abrupt: true });
      await forgetful.stall(false);
      await waitFor(() => !!el.shadowRoot!.querySelector('[part~="gap"][data-reason="missing"]'), 'the marker', 10000);
      expect(part(el, 'gap')!.textContent).to.equal('Lines may be missing here: the connection was interrupted');
      await forgetful.publish(t.output('after\n'));
      await waitFor(() => parts(el, 'text').some((x) => x.textContent === 'after'), 'the next line', 5000);
      await expect(el).to.be.accessible();
    } finally {
      await forgetful.dispose();
    }
  });

  it('draws as many rows as its scroll area shows when its height changes', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'tall');
    const el = await follow(projectId, 'tall');
    el.style.setProperty('--task-log-height', '200px');
    await server.publish(t.output(many(1, 200)));
    await waitFor(() => numbers(el).includes(200), 'the last line', 5000);
    // At the top (a taller view there moves no scroll position, so no scroll event says it).
    part(el, 'log')!.scrollTop = 0;
    await waitFor(() => numbers(el)[0] === 1, 'the top', 5000);
    await el.updateComplete;
    const before = numbers(el).length;
    el.style.setProperty('--task-log-height', '600px');
    await waitFor(() => numbers(el).length >= before + 15, 'more rows', 5000);
    expect(numbers(el)[0]).to.equal(1);
  });

  it('scales the scroll space of a million rows under the browsers\' limits, and reaches every row', () => {
    const vp = new Viewport(20, 1_000_000, 400);
    expect(vp.contentHeight).to.equal(20_000_000);
    expect(vp.scrollHeight).to.equal(MAX_SCROLL_HEIGHT);
    expect(vp.scale).to.be.greaterThan(1);
    const end = vp.window(vp.bottom);
    expect(end.end).to.equal(1_000_000);
    // The last row's bottom meets the view's bottom.
    expect(end.top + (end.end - end.first) * 20).to.be.closeTo(vp.bottom + 400, 1);
    expect(vp.window(0).first).to.equal(0);
    const middle = vp.window(vp.scrollTopOf(500_000));
    expect(middle.first).to.be.within(500_000 - 10, 500_000);
    expect(new Viewport(20, 100, 400).scale).to.equal(1);
  });
});

function twentyNew(el: TaskLogElement): boolean {
  return (part(el, 'new-lines')?.textContent ?? '') === '20 new lines';
}

