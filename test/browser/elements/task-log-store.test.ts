import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/elements/define/task-log.js';
import type { TaskLogElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient, resetProgress } from '../../../src/elements/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { part, parts, task, text } from './support.js';

function numbers(el: TaskLogElement): number[] {
  return parts(el, 'line').map((l) => Number(l.dataset.line));
}
function lines(el: TaskLogElement): string[] {
  return parts(el, 'text').map((t) => t.textContent ?? '');
}
const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}`).join('\n') + '\n';

/** The log reads the page sent (`from`/`limit` of each), from the performance timeline. */
function reads(taskId: string): string[] {
  return performance
    .getEntriesByType('resource')
    .map((e) => e.name)
    .filter((n) => n.includes(`/tasks/${taskId}/logs?`))
    .map((n) => new URL(n).search);
}

describe('<task-log> with a log store', () => {
  // The reference server keeps every task's output as numbered lines (docs/task-log-protocol.md).
  let server: TestServer;

  beforeEach(async () => {
    server = await TestServer.shared();
    configureProgress({ url: server.apiBase, lingerTime: 50, persist: false });
  });

  afterEach(() => {
    fixtureCleanup();
    resetProgress();
    history.replaceState(null, '', location.pathname + location.search);
  });

  async function open(projectId: string, taskId: string) {
    const el = await fixture<TaskLogElement>(html`<task-log project-id=${projectId} task-id=${taskId}></task-log>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    return el;
  }

  it('joining a long log late, reads its end first and shows the last lines, then earlier ranges as the reader scrolls up', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'long');
    const events = [];
    for (let k = 0; k < 6; k++) events.push(t.output(many(k * 500 + 1, 500)));
    await server.publish(t.started(), ...events);
    const el = await open(projectId, 'long');
    await waitFor(() => numbers(el).includes(3000), 'the last line', 10000);
    expect(part(el, 'notice')).to.equal(null);
    expect(reads('long')).to.deep.equal(['?limit=500']);
    // Lines before the end read are not loaded yet: a marker stands for them.
    const log = part(el, 'log')!;
    log.scrollTop = 0;
    await waitFor(() => numbers(el).includes(2500), 'the range before the end', 10000);
    expect(reads('long')).to.deep.equal(['?limit=500', '?from=2001&limit=500']);
    // The view stays on the lines it showed (2501 at the top) while the range above it came.
    await el.updateComplete;
    expect(numbers(el)).to.include(2501);
    expect(parts(el, 'gap').map((g) => g.textContent)).to.deep.equal([]);
    // Further up: the next range.
    log.scrollTop = 0;
    await waitFor(() => numbers(el).includes(2000), 'the range before that', 10000);
    expect(reads('long')).to.deep.equal(['?limit=500', '?from=2001&limit=500', '?from=1501&limit=500']);
    // Live lines join where the read ended, each line once.
    await server.publish(t.output('live one\nlive two\n'));
    await waitFor(() => !!part(el, 'new-lines'), 'the new-lines count', 5000);
    part(el, 'new-lines')!.click();
    await waitFor(() => lines(el).includes('live two'), 'the live lines', 5000);
    const shown = numbers(el);
    expect(shown.slice(-3)).to.deep.equal([3000, 3001, 3002]);
    expect(lines(el).slice(-3)).to.deep.equal(['line 3000', 'live one', 'live two']);
  });

  it('joins a line that is still open: the read gives its start, live chunks go on with it, once', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'open');
    await server.publish(t.output('first\ncompil'));
    const el = await open(projectId, 'open');
    await waitFor(() => lines(el).includes('compil'), 'the open line', 10000);
    await server.publish(t.output('ing done\nnext\n'));
    await waitFor(() => lines(el).includes('next'), 'the next line', 5000);
    expect(lines(el)).to.deep.equal(['first', 'compiling done', 'next']);
    expect(numbers(el)).to.deep.equal([1, 2, 3]);
  });

  it('says which lines the server no longer keeps', async () => {
    const small = await TestServer.create({ output: { maxLines: 1024 } });
    try {
      configureProgress({ url: small.apiBase, lingerTime: 50, persist: false });
      const projectId = uniqueId('p');
      const t = task(projectId, 'trimmed');
      const events = [];
      for (let k = 0; k < 8; k++) events.push(t.output(many(k * 500 + 1, 500)));
      await small.publish(...events);
      const el = await open(projectId, 'trimmed');
      await waitFor(() => numbers(el).includes(4000), 'the last line', 10000);
      const log = part(el, 'log')!;
      // Up to the top: the lines kept are read, and above them the marker of those gone.
      await waitFor(
        async () => {
          log.scrollTop = 0;
          await el.updateComplete;
          return text(el).includes('are no longer kept');
        },
        'the marker of the lines no longer kept',
        10000,
      );
      const gap = parts(el, 'gap').find((g) => g.dataset.reason === 'expired')!;
      expect(gap.textContent).to.match(/^Lines 1–\d+ are no longer kept$/);
      const firstKept = Number(/–(\d+)/.exec(gap.textContent!)![1]) + 1;
      expect(firstKept).to.be.within(2977, 3000);
      // The kept lines above the end read come as the reader goes on scrolling up.
      await waitFor(
        async () => {
          log.scrollTop = 0;
          await el.updateComplete;
          return numbers(el).includes(firstKept);
        },
        'the first kept line',
        10000,
      );
      expect(numbers(el)[0]).to.equal(firstKept);
      await expect(el).to.be.accessible();
      // A permalink to a line no longer kept goes to the marker that stands for it.
      el.shadowRoot!.querySelector<HTMLAnchorElement>(`[data-line="${firstKept + 3}"] [part~="line-number"]`)!.click();
      log.scrollTop = log.scrollHeight;
      await waitFor(() => !numbers(el).includes(firstKept), 'the end', 5000);
      location.hash = '#log-trimmed-L5';
      await waitFor(() => parts(el, 'gap').some((g) => g.dataset.reason === 'expired'), 'the marker in view', 5000);
      expect(el.selection).to.deep.equal({ from: 5, to: 5 });
    } finally {
      await small.dispose();
    }
  });

  it('opened with a permalink to a line before the end read, reads that range and scrolls there', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'deep');
    const events = [];
    for (let k = 0; k < 4; k++) events.push(t.output(many(k * 500 + 1, 500)));
    await server.publish(...events);
    history.replaceState(null, '', '#log-deep-L120');
    const el = await open(projectId, 'deep');
    await waitFor(() => numbers(el).includes(120), 'line 120', 10000);
    await el.updateComplete;
    expect(parts(el, 'line-selected').map((l) => Number(l.dataset.line))).to.deep.equal([120]);
    expect(numbers(el)).not.to.include(2000);
  });

  it('after a reconnection that missed events, reads the lines it missed: each line once, in order', async () => {
    // A journal of 5 events: what is published while the page is away cannot be replayed to it.
    const forgetful = await TestServer.create({ replayBufferSize: 5, output: {} });
    try {
      configureProgress({ url: forgetful.apiBase, lingerTime: 50, persist: false, reconnectDelay: 50 });
      const projectId = uniqueId('p');
      const t = task(projectId, 'resync');
      const el = await open(projectId, 'resync');
      await forgetful.publish(t.output(many(1, 3)));
      await waitFor(() => numbers(el).includes(3), 'the first lines', 5000);
      // The page hears nothing while lines 4-30 come, then its socket is cut: it comes back to a
      // server that cannot replay them.
      await forgetful.stall(true);
      for (let i = 4; i <= 30; i++) await forgetful.publish(t.output(many(i, 1)));
      await forgetful.drop({ abrupt: true });
      await waitFor(() => numbers(el).includes(30), 'the missed lines', 20000);
      await forgetful.stall(false);
      await forgetful.publish(t.output(many(31, 1)));
      await waitFor(() => numbers(el).includes(31), 'the next live line', 5000);
      const shown = numbers(el);
      expect(shown).to.deep.equal(Array.from({ length: shown.length }, (_, i) => 32 - shown.length + i));
      expect(lines(el).at(-1)).to.equal('line 31');
      expect(el.shadowRoot!.querySelector('[data-reason="missing"]')).to.equal(null);
    } finally {
      await forgetful.dispose();
    }
  });

  it('copies several lines as plain text, and downloads the server\'s plain-text log', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'copy');
    const el = await open(projectId, 'copy');
    await server.publish(t.output('\x1b[1mone\x1b[0m\ntwo https://example.com\nthree\n'), t.output('50%\r100%\nfive\n'));
    await waitFor(() => numbers(el).includes(5), 'the lines', 5000);
    await el.updateComplete;
    const log = part(el, 'log')!;
    const copy = () => {
      const data = new DataTransfer();
      log.dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true, cancelable: true, composed: true }));
      return data.getData('text/plain');
    };
    // A selection from line 2 to line 4: those lines whole, without numbers or escapes.
    const textOf = (n: number) => el.shadowRoot!.querySelector(`[data-line="${n}"] [part~="text"]`)!;
    const selection = getSelection()!;
    selection.setBaseAndExtent(textOf(2).firstChild ?? textOf(2), 0, textOf(4), 1);
    expect(copy()).to.equal('two https://example.com\nthree\n100%');
    // Nothing selected in the page: the lines a permalink selected.
    selection.removeAllRanges();
    el.shadowRoot!.querySelector<HTMLAnchorElement>('[data-line="1"] [part~="line-number"]')!.click();
    el.shadowRoot!.querySelector<HTMLAnchorElement>('[data-line="2"] [part~="line-number"]')!.dispatchEvent(new MouseEvent('click', { shiftKey: true, bubbles: true, cancelable: true }));
    await el.updateComplete;
    expect(copy()).to.equal('one\ntwo https://example.com');

    // Download: the store's logs.txt, saved through an object URL.
    const saved: Blob[] = [];
    const create = URL.createObjectURL;
    const click = HTMLAnchorElement.prototype.click;
    URL.createObjectURL = (blob: Blob | MediaSource) => {
      saved.push(blob as Blob);
      return create.call(URL, blob);
    };
    HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
      if (!this.download) click.call(this);
    };
    try {
      part(el, 'download')!.click();
      await waitFor(() => saved.length === 1, 'the download', 5000);
    } finally {
      URL.createObjectURL = create;
      HTMLAnchorElement.prototype.click = click;
    }
    expect(await saved[0]!.text()).to.equal('one\ntwo https://example.com\nthree\n100%\nfive\n');
    const requests = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/tasks/copy/logs.txt'));
    expect(requests.length).to.equal(1);
    expect(requests[0]).not.to.contain('token');
  });

  it('reads with the token in the Authorization header, never in a URL; the download holds lines the page never loaded', async () => {
    const guarded = await TestServer.create({ token: 'log-secret-1' });
    try {
      configureProgress({ url: guarded.apiBase, token: 'log-secret-1', lingerTime: 50, persist: false });
      const projectId = uniqueId('p');
      const t = task(projectId, 'guarded');
      await guarded.publish(t.output(many(1, 1200)));
      const el = await open(projectId, 'guarded');
      await waitFor(() => numbers(el).includes(1200), 'the last line', 10000);
      const saved: Blob[] = [];
      const create = URL.createObjectURL;
      const click = HTMLAnchorElement.prototype.click;
      URL.createObjectURL = (blob: Blob | MediaSource) => {
        saved.push(blob as Blob);
        return create.call(URL, blob);
      };
      HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
        if (!this.download) click.call(this);
      };
      try {
        part(el, 'download')!.click();
        await waitFor(() => saved.length === 1, 'the download', 5000);
      } finally {
        URL.createObjectURL = create;
        HTMLAnchorElement.prototype.click = click;
      }
      // All 1,200 lines, though the page read only the last 500.
      expect(await saved[0]!.text()).to.equal(many(1, 1200));
      const urls = performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('/tasks/guarded/'));
      expect(urls.length).to.be.at.least(2);
      for (const url of urls) expect(url).not.to.contain('log-secret-1');
      expect(el.shadowRoot!.innerHTML).not.to.contain('log-secret-1');
    } finally {
      await guarded.dispose();
    }
  });

  it('with a socket URL only (no REST base), keeps the server\'s line numbers and says which lines it cannot show', async () => {
    configureProgress({ url: server.projectUrl, lingerTime: 50, persist: false });
    const projectId = uniqueId('p');
    const t = task(projectId, 'nobase');
    await server.publish(t.output(many(1, 40)));
    const el = await open(projectId, 'nobase');
    await waitFor(() => !!part(el, 'notice'), 'the joined-at notice', 10000);
    await server.publish(t.output(many(41, 2)));
    await waitFor(() => numbers(el).includes(42), 'the live lines', 5000);
    expect(numbers(el)).to.deep.equal([41, 42]);
    expect(parts(el, 'gap').map((g) => g.textContent)).to.deep.equal(['Lines 1–40 are not shown']);
    // Nothing to read from: no request is sent, however often it draws.
    for (let i = 0; i < 5; i++) {
      el.requestUpdate();
      await el.updateComplete;
    }
    expect(reads('nobase')).to.deep.equal([]);
    await expect(el).to.be.accessible();
  });

  it('a live chunk that came while the end was read, and that the read holds already, is not shown twice', async () => {
    // The end read waits (its request not sent) until the test lets it go.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const realFetch = window.fetch;
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      if (String(input).includes('/tasks/race/logs?')) {
        held = true;
        await gate;
      }
      return realFetch(input, init);
    };
    after(() => (window.fetch = realFetch));
    const projectId = uniqueId('p');
    const t = task(projectId, 'race');
    await server.publish(t.output('first\ncompil'));
    const el = await open(projectId, 'race');
    await waitFor(() => held, 'the end read to wait', 5000);
    // Published before the read goes out (so the read holds it), heard live while the read waits.
    const client = getProgressClient()!;
    const frames = client.getStats().framesReceived;
    await server.publish(t.output('ing'));
    await waitFor(() => client.getStats().framesReceived > frames, 'the live chunk', 5000);
    release();
    await waitFor(() => lines(el).includes('compiling'), 'the end read', 5000);
    await server.publish(t.output(' done\n'));
    await waitFor(() => lines(el).includes('compiling done'), 'the rest of the line', 5000);
    window.fetch = realFetch;
    expect(lines(el)).to.deep.equal(['first', 'compiling done']);
  });
});
