import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/index.js';
import { initialTaskState } from '../../../src/client/index.js';
import type { ContainerStatusElement, TaskProgressElement, WorkflowTrackerElement } from '../../../src/index.js';
import { configureProgress, getProgressClient, PROGRESS_URL_META, ProgressClient, resetProgress } from '../../../src/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { connectionOf, container, liveText, notice, part, progressbar, task, text, waitForStatus, waitForText, workflow } from './support.js';

describe('elements and the connection', () => {
  const own: TestServer[] = [];

  afterEach(async () => {
    fixtureCleanup();
    resetProgress();
    document.head.querySelectorAll(`meta[name="${PROGRESS_URL_META}"]`).forEach((m) => m.remove());
    await Promise.all(own.splice(0).map((s) => s.dispose()));
  });

  async function ownServer(): Promise<TestServer> {
    const server = await TestServer.create();
    own.push(server);
    return server;
  }

  it('waits for configuration, then connects when configured', async () => {
    resetProgress();
    const server = await TestServer.shared();
    const projectId = uniqueId('p');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    expect(text(el, '[part~="status"]')).to.equal('Waiting for configuration');
    expect(part(el, 'connection')).to.equal(null);
    expect(getProgressClient()).to.equal(undefined);
    await expect(el).to.be.accessible();

    const client = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
    expect(client.getSubscriptionCount()).to.equal(1);
    await waitForStatus(el, 'Waiting for events');
    await server.publish(task(projectId, 't').started());
    await waitForStatus(el, 'Running');
  });

  it('reads the URL from <meta name="aintandem-progress-url">: a socket URL or an API base URL', async () => {
    const server = await TestServer.shared();
    resetProgress();
    const meta = document.createElement('meta');
    meta.name = PROGRESS_URL_META;
    meta.content = server.url.replace(/^ws:/, 'http:') + '/api';
    document.head.append(meta);
    const projectId = uniqueId('p');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    const client = getProgressClient()!;
    expect(client).to.be.instanceOf(ProgressClient);
    await waitFor(() => client.isConnected(projectId), 'the socket from the meta base URL', 10000);
    await server.publish(task(projectId, 't').queued());
    await waitForStatus(el, 'Queued');

    fixtureCleanup();
    resetProgress();
    meta.content = server.projectUrl;
    const el2 = await fixture<WorkflowTrackerElement>(html`<workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>`);
    await waitFor(() => getProgressClient()?.isConnected(projectId) === true, 'the socket from the meta socket URL', 10000);
    await server.publish(workflow(projectId, 'w', 'x').created());
    await waitForStatus(el2, 'Created');
  });

  it('moves live elements to a new client when reconfigured, and closes the old one', async () => {
    const a = await TestServer.shared();
    const b = await ownServer();
    const projectId = uniqueId('p');
    const old = configureProgress({ url: a.projectUrl, lingerTime: 50 });
    const el = await fixture<ContainerStatusElement>(html`<container-status project-id=${projectId} container-id="c"></container-status>`);
    await waitFor(() => old.isConnected(projectId), 'the first socket', 10000);
    await a.publish(container(projectId, 'c').created('alpine'));
    await waitForStatus(el, 'Created');

    const next = configureProgress({ url: b.projectUrl, lingerTime: 50 });
    expect(old.getSubscriptionCount()).to.equal(0);
    expect(old.getStats().sockets).to.equal(0);
    expect(next.getSubscriptionCount()).to.equal(1);
    await waitFor(() => next.isConnected(projectId), 'the second socket', 10000);
    await waitFor(async () => (await b.clientCount()) === 1, 'one client on the new server');
    await b.publish(container(projectId, 'c').started());
    await waitForStatus(el, 'Running');
  });

  it('forgets what the old server said when reconfigured to another, but keeps a state the page set', async () => {
    const a = await TestServer.shared();
    const b = await ownServer();
    const projectId = uniqueId('p');
    const old = configureProgress({ url: a.projectUrl, lingerTime: 50 });
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="t"></task-progress>
      <task-progress project-id=${projectId} task-id="mine"></task-progress>
    </div>`);
    const [el, mine] = [...box.children] as [TaskProgressElement, TaskProgressElement];
    mine.state = { ...initialTaskState(projectId, 'mine'), status: 'queued' };
    await waitFor(() => old.isConnected(projectId), 'the first socket', 10000);
    await a.publish(task(projectId, 't').started(), task(projectId, 't').step('compile', 'running', { progress: 40 }));
    await waitForText(el, 'compile');
    expect(progressbar(el).getAttribute('aria-valuenow')).to.equal('40');

    const next = configureProgress({ url: b.projectUrl, lingerTime: 50 });
    await waitForStatus(el, 'Waiting for events');
    expect(text(el)).not.to.contain('compile');
    expect(progressbar(el).hasAttribute('aria-valuenow')).to.equal(false);
    expect(text(mine, '[part~="status"]')).to.equal('Queued');
    await waitFor(() => next.isConnected(projectId), 'the second socket', 10000);
    await b.publish(task(projectId, 't').started());
    await waitForStatus(el, 'Running');
    expect(text(mine, '[part~="status"]')).to.equal('Queued');
  });

  it('keeps what the server said when reconfigured to the same server (a new token, setup run again)', async () => {
    const server = await TestServer.shared();
    const projectId = uniqueId('p');
    const first = configureProgress({ url: server.projectUrl, lingerTime: 50, token: 'a' });
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    await waitFor(() => first.isConnected(projectId), 'the first socket', 10000);
    await server.publish(task(projectId, 't').started(), task(projectId, 't').completed());
    await waitForStatus(el, 'Completed');
    const second = configureProgress({ url: server.projectUrl, lingerTime: 50, token: 'b' });
    await waitFor(() => second.isConnected(projectId), 'the second socket', 10000);
    expect(text(el, '[part~="status"]')).to.equal('Completed');
    expect(notice(el), 'a finished task cannot have missed anything').to.equal('');
  });

  it('says updates may have been missed when reconfigured to the same server in the middle of a run, until the next update', async () => {
    const server = await TestServer.shared();
    const projectId = uniqueId('p');
    const first = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    await waitFor(() => first.isConnected(projectId), 'the first socket', 10000);
    await server.publish(task(projectId, 't').started());
    await waitForStatus(el, 'Running');
    const second = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    await waitFor(() => second.isConnected(projectId), 'the second socket', 10000);
    await waitFor(() => /updates may have been missed/.test(notice(el)), 'the notice', 4000);
    await server.publish(task(projectId, 't').completed());
    await waitForStatus(el, 'Completed');
    await waitFor(() => notice(el) === '', 'the notice gone', 4000);
  });

  it('closes a client it made once it is replaced, also after the page handed it back to configureProgress()', async () => {
    const server = await TestServer.shared();
    const projectId = uniqueId('p');
    // A long linger time: only closing the client takes its socket down at once.
    const made = configureProgress({ url: server.projectUrl, lingerTime: 60_000 });
    await fixture(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    await waitFor(() => made.isConnected(projectId), 'the socket', 10000);
    expect(configureProgress(made)).to.equal(made);
    expect(made.getStats().sockets).to.equal(1);

    configureProgress({ url: server.projectUrl, lingerTime: 50 });
    expect(made.getStats().sockets).to.equal(0);
  });

  it('says so while reconnecting, and that updates may have been missed after: all three elements, in the middle of a run', async () => {
    const server = await ownServer();
    configureProgress({ url: server.projectUrl, lingerTime: 50, reconnectDelay: 150, maxReconnectDelay: 300, maxReconnectAttempts: 1000 });
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const w = workflow(projectId, 'w', 'x', 2);
    const c = container(projectId, 'c');
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="t"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>
      <container-status project-id=${projectId} container-id="c"></container-status>
      <task-progress project-id=${projectId} task-id="done"></task-progress>
    </div>`);
    const [taskEl, flowEl, boxEl, doneEl] = [...box.children] as [TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement, TaskProgressElement];
    const all = [taskEl, flowEl, boxEl];
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    await server.publish(
      t.started(),
      t.step('compile', 'running', { progress: 25 }),
      w.created(),
      w.started(),
      w.phaseStarted('one', 'One'),
      c.created('alpine'),
      c.started(),
      task(projectId, 'done').completed(),
    );
    await waitForStatus(taskEl, 'Running');
    await waitForStatus(flowEl, 'Running');
    await waitForStatus(boxEl, 'Running');
    await waitForStatus(doneEl, 'Completed');
    for (const el of all) expect(connectionOf(el), el.localName).to.equal('live');
    expect(notice(taskEl)).to.equal('Live');

    // The server goes away: every element says the data is no longer live, and since when.
    await server.stop();
    for (const el of all) await waitForText(el, /Reconnecting( in \d+ seconds?|…), last update (just now|\d+ seconds? ago)/);
    expect(text(taskEl)).not.to.match(/\b0 seconds ago/);
    expect(connectionOf(doneEl), 'a finished task cannot be stale').to.equal(null);
    expect(text(taskEl, '[part~="status"]')).to.equal('Running');
    expect(liveText(taskEl)).to.equal('Task t: Reconnecting…');
    expect(connectionOf(taskEl)).to.equal('reconnecting');
    for (const el of all) await expect(el).to.be.accessible();
    const before = notice(taskEl);
    await waitFor(() => notice(taskEl) !== before && /Reconnecting/.test(notice(taskEl)), 'the notice to move', 8000);

    // Back, with its journal: the client resumes where it was, so nothing was missed and the
    // elements are live again without any update.
    await server.restart();
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'reconnected after the restart', 10000);
    for (const el of all) await waitFor(() => connectionOf(el) === 'live', `${el.localName} live again`, 5000);
    expect(liveText(taskEl)).to.equal('Task t: Running, compile');
    await expect(taskEl).to.be.accessible();
    await server.publish(t.step('compile', 'completed', { progress: 100 }), t.completed(), w.phaseCompleted('one', 'One'), c.stopped(0));
    await waitForStatus(taskEl, 'Completed');
    await waitForText(flowEl, 'Phase 1 of 2');
    await waitForStatus(boxEl, 'Stopped');
    expect([taskEl, flowEl, boxEl].map(connectionOf), 'only the running workflow can go out of date').to.deep.equal([null, 'live', null]);

    // A cut without a close frame, with an event published meanwhile: replayed, and the workflow finishes.
    await server.drop({ abrupt: true });
    await server.publish(w.phaseStarted('two', 'Two'));
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'reconnected after the cut', 10000);
    await waitForText(flowEl, 'Two');
    await server.publish(w.phaseCompleted('two', 'Two'), w.completed());
    await waitForStatus(flowEl, 'Completed');
    expect(connectionOf(flowEl)).to.equal(null);
  });

  it('says that updates may have been missed when the server restarts without its journal (and there is no snapshot loader)', async () => {
    const server = await ownServer();
    configureProgress({ url: server.projectUrl, lingerTime: 50, reconnectDelay: 50, maxReconnectDelay: 200 });
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    await server.publish(t.started(), t.step('compile', 'running', { progress: 25 }));
    await waitForStatus(el, 'Running');
    await server.restart(true);
    await waitForText(el, /Reconnected: updates may have been missed, last update (just now|\d+ seconds? ago)/);
    await expect(el).to.be.accessible();
    await server.publish(t.step('compile', 'completed', { progress: 100 }));
    await waitFor(() => connectionOf(el) === 'live', 'live after an update', 5000);
  });

  it('says when the connection is lost for good', async () => {
    const server = await ownServer();
    configureProgress({ url: server.projectUrl, lingerTime: 50, reconnectDelay: 50, maxReconnectDelay: 50, maxReconnectAttempts: 1 });
    const projectId = uniqueId('p');
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="t"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>
      <container-status project-id=${projectId} container-id="c"></container-status>
    </div>`);
    const els = [...box.children] as HTMLElement[];
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    await server.publish(task(projectId, 't').started(), workflow(projectId, 'w', 'x').started(), container(projectId, 'c').started());
    for (const el of els) await waitForStatus(el, 'Running');
    await server.stop();
    for (const el of els) await waitForText(el, /Connection lost, last update (just now|\d+ seconds? ago)/);
    expect(getProgressClient()!.getConnectionState(projectId)).to.equal('failed');
    expect(liveText(els[0]!)).to.equal('Task t: Connection lost');
    expect(connectionOf(els[0]!)).to.equal('failed');
    expect(text(els[0]!, '[part~="retry"]')).to.equal('Retry now');
    for (const el of els) await expect(el).to.be.accessible();
  });

  it('says when it never connected: with nothing to show, in its status, without a connection line', async () => {
    const server = await ownServer();
    const url = server.projectUrl;
    await server.stop();
    configureProgress({ url, lingerTime: 50, reconnectDelay: 50, maxReconnectDelay: 50, maxReconnectAttempts: 1 });
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id="p" task-id="t"></task-progress>`);
    await waitForStatus(el, 'Connection lost');
    expect(connectionOf(el)).to.equal(null);
    await expect(el).to.be.accessible();
  });

  it('counts down to the next attempt, and "Retry now" reconnects at once', async () => {
    const server = await ownServer();
    // A long, known backoff: the next attempt is 20 s away unless the button is used.
    configureProgress({ url: server.projectUrl, lingerTime: 50, reconnectDelay: 20_000, maxReconnectDelay: 20_000, random: () => 1, maxReconnectAttempts: 1000 });
    const projectId = uniqueId('p');
    const t = task(projectId, 't');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="t"></task-progress>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    await server.publish(t.started(), t.step('compile', 'running', { progress: 25 }));
    await waitForText(el, 'compile');
    await server.stop();
    await waitFor(() => /^Reconnecting in (19|20) seconds, last update just now$/.test(notice(el)), 'the countdown', 5000);
    const first = notice(el);
    await waitFor(() => /^Reconnecting in \d+ seconds/.test(notice(el)) && notice(el) !== first, 'the countdown to move', 4000);
    await expect(el).to.be.accessible();

    await server.restart();
    const before = (await server.connectionTimes()).length;
    const clicked = performance.now();
    part(el, 'retry')!.click();
    await waitFor(() => connectionOf(el) === 'live', 'live again after "Retry now"', 5000);
    expect(performance.now() - clicked, 'reconnected long before the 20 s backoff').to.be.below(5000);
    expect((await server.connectionTimes()).length).to.equal(before + 1);
  });

  it('shows the connection line without moving anything on the card, in both layouts', async () => {
    const server = await ownServer();
    configureProgress({ url: server.projectUrl, lingerTime: 50, reconnectDelay: 20_000, maxReconnectDelay: 20_000, random: () => 1 });
    const projectId = uniqueId('p');
    const box = await fixture<HTMLDivElement>(html`<div style="inline-size: 340px">
      <task-progress project-id=${projectId} task-id="t" output-lines="3"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="x" layout="compact"></workflow-tracker>
      <container-status project-id=${projectId} container-id="c"></container-status>
    </div>`);
    const els = [...box.children] as HTMLElement[];
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    await server.publish(
      task(projectId, 't').started(),
      task(projectId, 't').step('compile', 'running', { progress: 25, output: 'building\n' }),
      workflow(projectId, 'w', 'x', 3).started(),
      workflow(projectId, 'w', 'x', 3).phaseStarted('a', 'Alpha'),
      container(projectId, 'c').started(),
    );
    for (const el of els) await waitFor(() => connectionOf(el) === 'live', `${el.localName} live`, 5000);
    // Where every part is, once the bar's transition is over.
    const boxes = () =>
      els.map((el) => {
        el.shadowRoot!.getAnimations().forEach((a) => a.finish());
        return [el, ...el.shadowRoot!.querySelectorAll('[part]')].map((n) => JSON.stringify(n.getBoundingClientRect()));
      });
    const live = boxes();
    await server.stop();
    for (const el of els) await waitFor(() => connectionOf(el) === 'reconnecting' && !!part(el, 'retry'), `${el.localName} reconnecting`, 5000);
    const stale = boxes();
    els.forEach((el, i) => {
      // Every part but the retry button (which appears) is where it was, and as large.
      const withoutRetry = stale[i]!.filter((_, k) => ![...el.shadowRoot!.querySelectorAll('[part]')][k - 1]?.matches('[part~="retry"]'));
      expect(withoutRetry, el.localName).to.deep.equal(live[i]);
    });
  });
});
