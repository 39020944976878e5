import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/elements/define/task-log.js';
import type { TaskLogElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient, resetProgress, resetProgressStrings, setProgressStrings } from '../../../src/elements/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { quietFor } from '../../shared/quiet.js';
import { CONTROL, MARKUP, part, parts, task, text } from './support.js';

/** The texts of the drawn lines, in order. */
function lines(el: TaskLogElement): string[] {
  return parts(el, 'text').map((t) => t.textContent ?? '');
}
function numbers(el: TaskLogElement): number[] {
  return parts(el, 'line').map((l) => Number(l.dataset.line));
}
function scroller(el: TaskLogElement): HTMLElement {
  return part(el, 'log')!;
}

describe('<task-log> without a log store', () => {
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
  });

  async function follow(projectId: string, taskId: string, extra = '') {
    const el = await fixture<TaskLogElement>(html`<task-log project-id=${projectId} task-id=${taskId} ?timestamps=${extra === 'timestamps'}></task-log>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    // Without a log store, the log says it begins where the page joined.
    await waitFor(() => !!part(el, 'notice'), 'the joined-at notice', 10000);
    return el;
  }

  it('shows live lines in order, with their numbers, and says where the page joined (no log store)', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'build');
    const el = await follow(projectId, 'build');
    expect(text(el, '[part~="notice"]')).to.match(/^Earlier lines are not shown: the page joined at \d\d:\d\d:\d\d\.$/);
    await server.publish(t.started(), t.output('one\ntwo\nthr'), t.output('ee\nfour\n'), t.step('compile', 'running', { output: 'five\n' }));
    await waitFor(() => lines(el).includes('five'), 'the lines', 5000);
    await el.updateComplete;
    expect(lines(el)).to.deep.equal(['one', 'two', 'three', 'four', 'five']);
    expect(numbers(el)).to.deep.equal([1, 2, 3, 4, 5]);
    const log = scroller(el);
    expect(log.getAttribute('role')).to.equal('log');
    expect(log.getAttribute('aria-live')).to.equal('off');
    expect(log.tabIndex).to.equal(0);
    // The step's lines sit under its header.
    expect(parts(el, 'group-header').map((b) => b.textContent!.replace(/\s+/g, ' ').trim())).to.deep.equal(['compile Running']);
  });

  it('renders at most once a frame, however many events come', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'burst');
    const el = await follow(projectId, 'burst');
    await el.updateComplete;
    // The element's updates, and the page's frames meanwhile.
    const target = el as unknown as { performUpdate(): void };
    const performUpdate = target.performUpdate.bind(el);
    let renders = 0;
    target.performUpdate = () => {
      renders++;
      performUpdate();
    };
    let frames = 0;
    let counting = true;
    const loop = () => {
      frames++;
      if (counting) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
    const events = Array.from({ length: 60 }, (_, i) => t.output(`burst ${i + 1}\n`));
    await server.publish(...events);
    await waitFor(() => lines(el).includes('burst 60'), 'the last line', 5000);
    expect(renders).to.be.at.least(1);
    expect(renders, `${renders} renders in ${frames} frames`).to.be.at.most(frames + 1);
    // Changes in many tasks of one frame (as events that come one by one): still one render a frame.
    const macrotask = () =>
      new Promise<void>((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(0);
      });
    renders = frames = 0;
    for (let i = 0; i < 30; i++) {
      el.requestUpdate();
      await macrotask();
    }
    await el.updateComplete;
    counting = false;
    expect(renders, `${renders} renders in ${frames} frames`).to.be.at.most(frames + 1);
    // Taken out of the page with an update waiting: its frame is given up; put back, it renders.
    const parent = el.parentElement!;
    renders = 0;
    el.requestUpdate();
    // Lit asks for the update a microtask later: it then waits for its frame.
    for (let i = 0; i < 3; i++) await Promise.resolve();
    el.remove();
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    await frame();
    await frame();
    await quietFor(300, 'no render while out of the page');
    expect(renders, 'no render while out of the page').to.equal(0);
    parent.appendChild(el);
    await el.updateComplete;
    expect(renders).to.be.at.least(1);
  });

  it('draws carriage returns and cursor-up rewrites as a terminal does', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'bar');
    const el = await follow(projectId, 'bar');
    await server.publish(t.output('progress 10%\rprogress 50%\rprogress 100%\n'), t.output('a\nb\n\x1b[2A\x1b[2Kz\n'), t.output('end\n'));
    await waitFor(() => lines(el).includes('end'), 'the lines', 5000);
    await el.updateComplete;
    // Cursor up two lines, the line erased, `z` and a newline: the cursor is on `b`'s line, which `end` overwrites.
    expect(lines(el)).to.deep.equal(['progress 100%', 'z', 'end']);
  });

  it('shows a hostile log as text: escapes, control characters, markup, a 1 MB line', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'evil');
    const el = await fixture<TaskLogElement>(html`<task-log project-id=${projectId} task-id="evil" style="--task-log-height: 300px"></task-log>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the project socket', 10000);
    const big = 'x'.repeat(1024 * 1024);
    await server.publish(
      t.output(`${MARKUP}\n`),
      t.output('\x1b[31mred\x1b[0m \x1b]8;;javascript:alert(1)\x07click\x1b]8;;\x07 \x07\x00\x08bell\n'),
      t.output('\x1b]0;title\x07\x1bP+q\x1b\\\x1b[?1049h plain\n'),
      // A line of 1 MB comes in chunks (a frame is at most 1 MiB).
      ...[0, 1, 2, 3].map((k) => t.output(big.slice(k * 262144, (k + 1) * 262144))),
      t.output('\n'),
      t.output('see https://example.com/a?b=1 and javascript:alert(1)\n'),
    );
    await waitFor(() => parts(el, 'line').length >= 5, 'the lines', 10000).catch((e) => {
      throw new Error(`${e}: ${JSON.stringify(lines(el).map((l) => l.slice(0, 80)))}`);
    });
    await el.updateComplete;
    const root = el.shadowRoot!;
    expect(root.querySelector('img')).to.equal(null);
    expect(root.querySelector('b')).to.equal(null);
    expect((window as unknown as { __pwned?: number }).__pwned).to.equal(undefined);
    const shown = lines(el);
    expect(shown[0]).to.equal(MARKUP);
    // NUL and BEL show nothing; a backspace moves back over the space.
    expect(shown[1]).to.equal('red clickbell');
    expect(shown[2]).to.equal(' plain');
    for (const line of shown) expect(CONTROL.test(line)).to.equal(false);
    // The red text takes the theme's red.
    const red = root.querySelector<HTMLElement>('[data-line="2"] [part~="text"] span')!;
    expect(red.style.color).to.equal('var(--_ansi-1)');
    // Only http(s) links, opened safely.
    const links = [...root.querySelectorAll<HTMLAnchorElement>('[part~="text"] a')];
    expect(links.map((a) => a.getAttribute('href'))).to.deep.equal(['https://example.com/a?b=1']);
    expect(links[0]!.rel).to.equal('noopener noreferrer');
    expect(links[0]!.target).to.equal('_blank');
    // The 1 MB line is cut for display; "show all" opens it whole.
    expect(shown[3]!.length).to.equal(10_000);
    const showAll = root.querySelector<HTMLButtonElement>('[data-line="4"] [part~="show-all"]')!;
    showAll.click();
    await el.updateComplete;
    expect(part(el, 'expanded')!.querySelector('pre')!.textContent!.length).to.equal(big.length);
    const close = part(el, 'expanded')!.querySelector('button')!;
    expect(el.shadowRoot!.activeElement).to.equal(close);
    await expect(el).to.be.accessible();
    close.click();
    await el.updateComplete;
    expect(part(el, 'expanded')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(part(el, 'log'));
  });

  it('collapses finished steps, keeps running and failed ones open, and toggles with aria-expanded', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'steps');
    const el = await follow(projectId, 'steps');
    await server.publish(t.started(), t.step('fetch', 'running', { output: 'fetching\n' }), t.step('fetch', 'completed'), t.step('build', 'running', { output: 'building\n' }));
    await waitFor(() => lines(el).includes('building'), 'the build step', 5000);
    await waitFor(() => parts(el, 'group-header')[0]?.getAttribute('aria-expanded') === 'false', 'the finished step to collapse', 5000);
    await el.updateComplete;
    const headers = () => parts(el, 'group-header');
    expect(headers().map((h) => h.getAttribute('aria-expanded'))).to.deep.equal(['false', 'true']);
    expect(lines(el)).to.deep.equal(['building']);
    expect(headers()[0]!.tagName).to.equal('BUTTON');
    headers()[0]!.click();
    await el.updateComplete;
    expect(headers()[0]!.getAttribute('aria-expanded')).to.equal('true');
    expect(lines(el)).to.deep.equal(['fetching', 'building']);
    await expect(el).to.be.accessible();
    // The reader's choice holds when the step changes again; a failed step stays open.
    headers()[1]!.click();
    await el.updateComplete;
    expect(lines(el)).to.deep.equal(['fetching']);
    await server.publish(t.step('build', 'failed', { output: 'error: boom\n' }));
    await waitFor(() => parts(el, 'group-status')[1]?.textContent === 'Failed', 'the failed status', 5000);
    await el.updateComplete;
    expect(headers().map((h) => h.getAttribute('aria-expanded'))).to.deep.equal(['true', 'false']);
    // The statuses follow the page's strings.
    setProgressStrings({ stepStatus: { pending: 'En attente', running: 'En cours', completed: 'Terminé', failed: 'Échoué', skipped: 'Ignoré' } });
    try {
      await waitFor(() => parts(el, 'group-status')[1]?.textContent === 'Échoué', 'the page\'s strings', 5000);
      expect(parts(el, 'group-status')[0]!.textContent).to.equal('Terminé');
    } finally {
      resetProgressStrings();
    }
  });

  it('follows new lines at the bottom; scrolled up, counts them on a button that jumps back; End does the same', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'follow');
    const el = await follow(projectId, 'follow');
    const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => `line ${from + i}`).join('\n') + '\n';
    await server.publish(t.output(many(1, 200)));
    await waitFor(() => lines(el).includes('line 200'), 'the last line', 5000);
    const log = scroller(el);
    // At the bottom, following.
    await waitFor(() => Math.abs(log.scrollTop + log.clientHeight - log.scrollHeight) <= 1, 'the bottom', 5000);
    await server.publish(t.output(many(201, 10)));
    await waitFor(() => lines(el).includes('line 210'), 'the new last line', 5000);
    await waitFor(() => Math.abs(log.scrollTop + log.clientHeight - log.scrollHeight) <= 1, 'the bottom again', 5000);
    expect(part(el, 'new-lines')).to.equal(null);
    // Scrolled up: it stays, and counts.
    log.scrollTop = 0;
    await waitFor(() => lines(el).includes('line 1'), 'the top', 5000);
    await server.publish(t.output(many(211, 5)));
    await waitFor(() => !!part(el, 'new-lines'), 'the new-lines button', 5000);
    expect(text(el, '[part~="new-lines"]')).to.equal('5 new lines');
    expect(lines(el)).to.include('line 1');
    part(el, 'new-lines')!.click();
    await waitFor(() => lines(el).includes('line 215'), 'the end', 5000);
    expect(part(el, 'new-lines')).to.equal(null);
    // Scrolled up again, End goes back to following.
    log.scrollTop = 0;
    await waitFor(() => lines(el).includes('line 1'), 'the top again', 5000);
    log.focus();
    log.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));
    await server.publish(t.output(many(216, 1)));
    await waitFor(() => lines(el).includes('line 216'), 'the end after End', 5000);
    expect(part(el, 'new-lines')).to.equal(null);
  });

  it('searches every line, counts the hits politely, and goes to the next and previous one, opening a collapsed step', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'search');
    const el = await follow(projectId, 'search');
    await server.publish(
      t.step('setup', 'running', { output: 'needle in setup\nhay\n' }),
      t.step('setup', 'completed'),
      t.step('run', 'running', { output: 'hay\nneedle one\nneedle two, needle three\n' }),
    );
    await waitFor(() => lines(el).includes('needle two, needle three'), 'the lines', 5000);
    await waitFor(() => parts(el, 'group-header')[0]?.getAttribute('aria-expanded') === 'false', 'setup to collapse', 5000);
    const input = part(el, 'search-input') as HTMLInputElement;
    expect(input.getAttribute('aria-label')).to.equal('Search the log');
    input.value = 'needle';
    input.dispatchEvent(new Event('input'));
    const count = part(el, 'search-count')!;
    expect(count.getAttribute('aria-live')).to.equal('polite');
    await waitFor(() => count.textContent === '4 matches', 'the count', 5000);
    const enter = (shiftKey = false) => input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey, bubbles: true }));
    enter();
    await waitFor(() => count.textContent === '1 of 4', 'the first hit', 5000);
    // The first hit is in the collapsed step: it opens.
    await el.updateComplete;
    expect(parts(el, 'group-header')[0]!.getAttribute('aria-expanded')).to.equal('true');
    expect(text(el, '[part~="hit-current"]')).to.equal('needle');
    expect(el.shadowRoot!.querySelector('[part~="hit-current"]')!.closest('[data-line]')!.getAttribute('data-line')).to.equal('1');
    enter();
    await waitFor(() => count.textContent === '2 of 4', 'the second hit', 5000);
    enter(true);
    await waitFor(() => count.textContent === '1 of 4', 'back to the first', 5000);
    enter(true);
    await waitFor(() => count.textContent === '4 of 4', 'wrapping to the last', 5000);
    await el.updateComplete;
    const current = el.shadowRoot!.querySelector('[part~="hit-current"]')!;
    expect(current.closest('[data-line]')!.getAttribute('data-line')).to.equal('5');
    expect(parts(el, 'hit').length).to.equal(4);
    // A regular expression.
    part(el, 'regex')!.click();
    await el.updateComplete;
    expect(part(el, 'regex')!.getAttribute('aria-pressed')).to.equal('true');
    input.value = 'needle (one|two)';
    input.dispatchEvent(new Event('input'));
    await waitFor(() => count.textContent === '2 matches', 'the regex count', 5000);
    input.value = 'needle (';
    input.dispatchEvent(new Event('input'));
    await waitFor(() => count.textContent === 'Not a valid regular expression', 'the regex error', 5000);
    await expect(el).to.be.accessible();
  });

  it('keeps at most 400 nodes in its shadow root with 100,000 lines, wherever it is scrolled', async () => {
    const projectId = uniqueId('p');
    const t = task(projectId, 'big');
    const el = await follow(projectId, 'big');
    const events = [];
    for (let k = 0; k < 100; k++) events.push(t.output(Array.from({ length: 1000 }, (_, i) => `row ${k * 1000 + i + 1}`).join('\n') + '\n'));
    await server.publish(...events);
    await waitFor(() => lines(el).includes('row 100000'), 'the last line', 20000);
    const count = () => el.shadowRoot!.querySelectorAll('*').length;
    expect(count()).to.be.at.most(400);
    const log = scroller(el);
    log.scrollTop = log.scrollHeight / 2;
    await waitFor(() => !lines(el).includes('row 100000'), 'the middle', 5000);
    await el.updateComplete;
    const shown = numbers(el);
    expect(shown[0]).to.be.within(49000, 51000);
    expect(count()).to.be.at.most(400);
    log.scrollTop = 0;
    await waitFor(() => lines(el).includes('row 1'), 'the top', 5000);
    expect(count()).to.be.at.most(400);
  });
});
