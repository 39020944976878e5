/** Hostile input from the server renders as inert text in all three elements, and the token never shows. */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { configureProgress, getProgressClient, resetProgress } from '../../src/index.js';
import { TestServer, uniqueId, waitFor } from './helpers/progress-server.js';
import { CONTROL, container, MARKUP, task, text, waitForStatus, workflow } from './elements/support.js';

/** Every shadow root under a node, recursively. */
function shadowHtml(root: Element): string {
  let out = root.outerHTML;
  for (const el of [root, ...root.querySelectorAll('*')]) if (el.shadowRoot) out += el.shadowRoot.innerHTML + [...el.shadowRoot.querySelectorAll('*')].map((c) => shadowHtml(c)).join('');
  return out;
}

describe('hostile input and secrets', () => {
  afterEach(() => {
    fixtureCleanup();
    resetProgress();
  });

  it('renders markup in every server string as text, in all three elements', async () => {
    const server = await TestServer.shared();
    configureProgress({ url: server.projectUrl, lingerTime: 50, persist: false });
    const projectId = uniqueId('h');
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="t" output-lines="5"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>
      <container-status project-id=${projectId} container-id="c"></container-status>
    </div>`);
    const [taskEl, flowEl, boxEl] = [...box.children] as HTMLElement[];
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    const t = task(projectId, 't');
    const w = workflow(projectId, 'w', 'x', 2);
    const c = container(projectId, 'c');
    await server.publish(
      t.started(),
      t.step(MARKUP, 'running', { message: MARKUP, progress: 5, output: `${MARKUP}\n` }),
      t.artifact(MARKUP, MARKUP, 1),
      t.failed(MARKUP),
      w.started(),
      w.phaseStarted(MARKUP, MARKUP),
      w.phaseCompleted(MARKUP, MARKUP, MARKUP),
      w.failed(MARKUP),
      c.created(MARKUP),
      c.error(MARKUP),
    );
    await waitForStatus(taskEl!, 'Failed');
    await waitForStatus(flowEl!, 'Failed');
    await waitFor(() => text(boxEl!).includes(MARKUP), 'the container error');
    for (const el of [taskEl!, flowEl!, boxEl!]) {
      expect(text(el), el.localName).to.contain(MARKUP);
      expect(el.shadowRoot!.querySelector('img, b'), `${el.localName} made elements from server text`).to.equal(null);
    }
    expect((window as { __pwned?: number }).__pwned).to.equal(undefined);
  });

  it('lets no escape or control character of any server string reach the DOM, in all three elements', async () => {
    const server = await TestServer.shared();
    configureProgress({ url: server.projectUrl, lingerTime: 50, persist: false });
    const projectId = uniqueId('esc');
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="t" output-lines="5"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>
      <container-status project-id=${projectId} container-id="c"></container-status>
    </div>`);
    const [taskEl, flowEl, boxEl] = [...box.children] as HTMLElement[];
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    // Colours, a cursor move, a title, a bell, a NUL, a backspace and a C1 control in every string.
    const dirty = (s: string) => `\x1b[1;31m${s}\x1b[0m\x1b[2A\x1b]0;title\x07\x07\x00\b\x9b1m`;
    const t = task(projectId, 't');
    const w = workflow(projectId, 'w', 'x', 2);
    const c = container(projectId, 'c');
    await server.publish(
      { ...t.started(), task: dirty('name') } as never,
      t.step(dirty('step'), 'running', { message: dirty('message'), progress: 5, output: `${dirty('out')}\n` }),
      t.artifact(dirty('path'), dirty('type'), 1),
      t.failed(dirty('error')),
      { ...w.started(), workflow: dirty('flow') } as never,
      w.phaseStarted(dirty('phase'), dirty('phase')),
      w.failed(dirty('boom')),
      c.created(dirty('image')),
      c.error(dirty('crash')),
    );
    await waitForStatus(taskEl!, 'Failed');
    await waitForStatus(flowEl!, 'Failed');
    await waitForStatus(boxEl!, 'Error');
    for (const el of [taskEl!, flowEl!, boxEl!]) {
      const root = el.shadowRoot!;
      const strings: string[] = [];
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (n.nodeType === Node.TEXT_NODE) strings.push(n.nodeValue ?? '');
        else for (const a of (n as Element).attributes) strings.push(a.value);
      }
      expect(strings.filter((s) => CONTROL.test(s)), el.localName).to.deep.equal([]);
      expect(text(el), el.localName).not.to.contain('[0m');
    }
    expect(text(taskEl!, '[part~="label"]')).to.equal('name');
    expect(text(taskEl!, '[part~="error"]')).to.equal('Error: error');
    expect(text(flowEl!, '[part~="label"]')).to.equal('flow');
    expect(text(boxEl!, '[part~="label"]')).to.equal('image');
  });

  it('never puts the token in the DOM, in attributes, in events, in errors or in console output', async () => {
    const secret = 'tok-Secret-1234567890';
    const server = await TestServer.create({ token: secret });
    const logged: string[] = [];
    const original = { log: console.log, warn: console.warn, error: console.error, info: console.info, debug: console.debug };
    for (const k of Object.keys(original) as (keyof typeof original)[]) console[k] = (...a: unknown[]) => logged.push(a.map((x) => (x instanceof Error ? `${x.message} ${x.stack}` : String(x))).join(' '));
    const pageEvents: string[] = [];
    const onAny = (e: Event) => pageEvents.push(JSON.stringify((e as CustomEvent).detail ?? null));
    const names = ['task-progress-change', 'task-complete', 'task-fail', 'workflow-tracker-change', 'container-status-change'];
    for (const n of names) document.addEventListener(n, onAny);
    try {
      const client = configureProgress({ url: server.projectUrl, getToken: async () => secret, lingerTime: 50, persist: false, reconnectDelay: 50 });
      const connection: string[] = [];
      client.onConnectionState((e) => connection.push(JSON.stringify(e, (_k, v) => (v instanceof Error ? `${v.message} ${v.stack}` : v))));
      const projectId = uniqueId('s');
      const box = await fixture<HTMLDivElement>(html`<div>
        <task-progress project-id=${projectId} task-id="t"></task-progress>
        <workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>
        <container-status project-id=${projectId} container-id="c"></container-status>
      </div>`);
      await waitFor(() => client.isConnected(projectId), 'the socket with the token', 10000);
      await server.publish(task(projectId, 't').started(), workflow(projectId, 'w', 'x').started(), container(projectId, 'c').started(), task(projectId, 't').completed());
      await waitForStatus(box.children[0]!, 'Completed');
      // A refused token and a dropped connection: errors and notices must not show it either.
      await server.setToken('another');
      await server.drop({ code: 4401, reason: 'token expired' });
      await waitFor(() => client.getConnectionState(projectId) !== 'connected', 'the drop', 5000);
      // The drop, then the attempt with the old token refused: both reported.
      await waitFor(() => connection.filter((e) => e.includes('"type":"disconnected"')).length >= 2, 'the drop and the refused attempt reported', 5000);
      const everything = [shadowHtml(document.documentElement), document.cookie, location.href, logged.join('\n'), connection.join('\n'), pageEvents.join('\n')].join('\n');
      expect(everything.includes(secret), 'the token showed somewhere').to.equal(false);
      expect(connection.length).to.be.greaterThan(2);
    } finally {
      Object.assign(console, original);
      for (const n of names) document.removeEventListener(n, onAny);
      await server.dispose();
    }
  });
});
