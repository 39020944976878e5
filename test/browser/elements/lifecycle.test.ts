import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/index.js';
import { initialContainerState, initialTaskState, type ProgressEvent } from '../../../src/client/index.js';
import type { ContainerStatusElement, TaskProgressElement, WorkflowTrackerElement } from '../../../src/index.js';
import { configureProgress, getProgressClient, resetProgress } from '../../../src/index.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { container, record, task, text, ts, waitForStatus, waitForText, workflow } from './support.js';
import { quietFor } from '../../shared/quiet.js';

describe('element lifecycle and speed', () => {
  const own: TestServer[] = [];
  const boxes: HTMLElement[] = [];

  afterEach(async () => {
    fixtureCleanup();
    boxes.splice(0).forEach((box) => box.remove());
    resetProgress();
    await Promise.all(own.splice(0).map((s) => s.dispose()));
  });

  async function ownServer(): Promise<TestServer> {
    const server = await TestServer.create();
    own.push(server);
    return server;
  }

  it('serves any number of elements of a project over one socket', async () => {
    const server = await ownServer();
    const client = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const projectId = uniqueId('p');
    const ids = Array.from({ length: 10 }, (_, i) => `n${i}`);
    const box = await fixture<HTMLDivElement>(html`<div>
      ${ids.map(
        (id) => html`<task-progress project-id=${projectId} task-id=${id}></task-progress>
          <workflow-tracker project-id=${projectId} execution-id=${id}></workflow-tracker>
          <container-status project-id=${projectId} container-id=${id}></container-status>`,
      )}
    </div>`);
    expect(client.getSubscriptionCount()).to.equal(30);
    await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
    expect(client.getStats().sockets).to.equal(1);
    expect(await server.clientCount()).to.equal(1);
    await server.publish(
      ...ids.flatMap((id) => [task(projectId, id).started(), workflow(projectId, 'w', id).started(), container(projectId, id).started()]),
    );
    for (const el of box.children) await waitForStatus(el, 'Running');
  });

  it('leaves no subscription, timer or socket behind after 1,000 elements come and go', async () => {
    const server = await ownServer();
    // No heartbeat: every interval counted is an element's.
    const client = configureProgress({ url: server.projectUrl, lingerTime: 50, heartbeatInterval: 0 });
    const projectId = uniqueId('p');

    // Count the intervals the elements start and stop.
    const live = new Set<unknown>();
    const realSet = window.setInterval;
    const realClear = window.clearInterval;
    window.setInterval = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => {
      const id = realSet(fn, ms, ...args);
      live.add(id);
      return id;
    }) as typeof window.setInterval;
    window.clearInterval = ((id?: number) => {
      live.delete(id);
      realClear(id);
    }) as typeof window.clearInterval;
    try {
      for (let round = 0; round < 2; round++) {
        const box = document.createElement('div');
        boxes.push(box);
        const els: HTMLElement[] = [];
        for (let i = 0; i < 1000; i++) {
          const kind = i % 3;
          const el = document.createElement(kind === 0 ? 'task-progress' : kind === 1 ? 'workflow-tracker' : 'container-status');
          el.setAttribute('project-id', projectId);
          el.setAttribute(kind === 0 ? 'task-id' : kind === 1 ? 'execution-id' : 'container-id', `e${round}-${i}`);
          // A running task needs a clock for its elapsed time.
          if (kind === 0) (el as TaskProgressElement).state = { ...initialTaskState(projectId, `e${round}-${i}`), status: 'running', startedAt: ts(-1000) };
          els.push(el);
          box.append(el);
        }
        document.body.append(box);
        await Promise.all(els.map((el) => (el as TaskProgressElement).updateComplete));
        expect(client.getSubscriptionCount()).to.equal(1000);
        expect(live.size).to.equal(334);
        await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
        box.remove();
        expect(client.getSubscriptionCount()).to.equal(0);
        expect(live.size).to.equal(0);
        await waitFor(() => client.getStats().sockets === 0, 'the socket to close after its linger time', 5000);
        await waitFor(async () => (await server.clientCount()) === 0, 'the server to see it go', 5000);
        expect(live.size).to.equal(0);
      }
      expect(getProgressClient()).to.equal(client);
    } finally {
      window.setInterval = realSet;
      window.clearInterval = realClear;
    }
  });

  it('keeps one subscription when an element is moved in the DOM', async () => {
    const server = await TestServer.shared();
    const client = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const projectId = uniqueId('p');
    const box = await fixture<HTMLDivElement>(html`<div><section></section><section></section></div>`);
    const [a, b] = [...box.children] as HTMLElement[];
    const el = document.createElement('task-progress');
    el.projectId = projectId;
    el.taskId = 't';
    a!.append(el);
    await el.updateComplete;
    await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
    expect(client.getSubscriptionCount()).to.equal(1);
    b!.append(el);
    a!.append(el);
    await el.updateComplete;
    expect(client.getSubscriptionCount()).to.equal(1);
    const log = record(el, 'task-progress-change');
    await server.publish(task(projectId, 't').started());
    await waitForStatus(el, 'Running');
    // Give a duplicate subscription time to show itself.
    await quietFor(200, 'no second change event from a duplicate subscription');
    expect(log.events).to.have.length(1);
    el.remove();
    expect(client.getSubscriptionCount()).to.equal(0);
  });

  it('keeps the elapsed time and the uptime moving after the elements are moved in the DOM', async () => {
    const box = await fixture<HTMLDivElement>(html`<div><section></section><section></section></div>`);
    const [a, b] = [...box.children] as HTMLElement[];
    const taskEl = document.createElement('task-progress');
    taskEl.state = { ...initialTaskState('p', 't'), status: 'running', startedAt: ts(-10_000) };
    const containerEl = document.createElement('container-status');
    containerEl.state = { ...initialContainerState('p', 'c'), status: 'running', startedAt: ts(-10_000) };
    a!.append(taskEl, containerEl);
    await Promise.all([taskEl.updateComplete, containerEl.updateComplete]);
    b!.append(taskEl, containerEl);
    for (const el of [taskEl, containerEl]) {
      const before = text(el, '[part~="time"]');
      expect(before).to.match(/1\d sec$/);
      await waitFor(() => text(el, '[part~="time"]') !== before, `the time of <${el.localName}> to move`, 4000);
    }
  });

  it('follows the new ids when they change, and forgets the old entity', async () => {
    const server = await TestServer.shared();
    const client = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const projectId = uniqueId('p');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="a"></task-progress>`);
    await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
    await server.publish(task(projectId, 'a').started(), task(projectId, 'a').step('a-step', 'running'));
    await waitForText(el, 'a-step');
    el.taskId = 'b';
    await el.updateComplete;
    expect(client.getSubscriptionCount()).to.equal(1);
    expect(el.state).to.equal(undefined);
    expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
    expect(text(el, '[part~="label"]')).to.equal('Task b');
    await server.publish(task(projectId, 'a').failed('not shown'), task(projectId, 'b').queued());
    await waitForStatus(el, 'Queued');
    expect(text(el)).not.to.contain('not shown');
    el.taskId = undefined;
    await el.updateComplete;
    expect(client.getSubscriptionCount()).to.equal(0);
  });

  it('a listener that points the element at the next task when one completes: it follows that task at once', async () => {
    const server = await TestServer.shared();
    const client = configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const projectId = uniqueId('p');
    const el = await fixture<TaskProgressElement>(html`<task-progress project-id=${projectId} task-id="first"></task-progress>`);
    el.addEventListener('task-complete', () => {
      el.taskId = 'second';
    });
    await waitFor(() => client.isConnected(projectId), 'the socket', 10000);
    await server.publish(task(projectId, 'first').started(), task(projectId, 'first').completed(1000));
    await waitFor(() => el.taskId === 'second', 'the listener to move the element');
    await el.updateComplete;
    expect(text(el, '[part~="label"]')).to.equal('Task second');
    expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
    expect(client.getSubscriptionCount()).to.equal(1);
    // The first task is quiet from now on: nothing but the move itself brings the next task's events.
    await server.publish(task(projectId, 'second').started());
    await waitForStatus(el, 'Running');
  });

  it('renders at most once per animation frame under an event flood', async () => {
    const server = await TestServer.shared();
    configureProgress({ url: server.projectUrl, lingerTime: 50 });
    const projectId = uniqueId('p');
    const box = await fixture<HTMLDivElement>(html`<div>
      <task-progress project-id=${projectId} task-id="t" output-lines="20"></task-progress>
      <workflow-tracker project-id=${projectId} execution-id="x"></workflow-tracker>
      <container-status project-id=${projectId} container-id="c"></container-status>
    </div>`);
    const [taskEl, flowEl, boxEl] = [...box.children] as [TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement];
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);

    let frame = 0;
    let counting = true;
    const tick = () => {
      frame++;
      if (counting) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const renders = new Map<Element, number[]>();
    for (const el of [taskEl, flowEl, boxEl]) {
      const frames: number[] = [];
      renders.set(el, frames);
      const target = el as unknown as { updated(changed: unknown): void };
      const original = target.updated.bind(el);
      target.updated = (changed) => {
        frames.push(frame);
        original(changed);
      };
    }

    const t = task(projectId, 't');
    const w = workflow(projectId, 'w', 'x');
    const c = container(projectId, 'c');
    const flood: ProgressEvent[] = [t.started(), w.started()];
    for (let i = 1; i <= 300; i++) {
      flood.push(t.step(`s${i % 7}`, 'running', { progress: i / 3, output: `line ${i}\n` }));
      flood.push(w.phaseStarted(`p${i}`, `Phase ${i}`), w.phaseCompleted(`p${i}`, `Phase ${i}`));
      flood.push(i % 2 ? c.started() : c.stopped(0));
    }
    await server.publish(...flood, t.completed(), w.completed(), c.error('done'));
    await waitForStatus(taskEl, 'Completed');
    await waitForStatus(flowEl, 'Completed');
    await waitForStatus(boxEl, 'Error');
    counting = false;

    for (const [el, frames] of renders) {
      const perFrame = new Map<number, number>();
      for (const f of frames) perFrame.set(f, (perFrame.get(f) ?? 0) + 1);
      const worst = Math.max(...perFrame.values());
      expect(worst, `${el.localName}: renders in one frame`).to.equal(1);
      expect(frames.length, `${el.localName}: renders for ~900 events`).to.be.lessThan(300);
    }
    expect(text(taskEl, '[part~="output"]')).to.contain('line 300');
  });

  it('does not throw when the definitions are imported again', async () => {
    const before = ['task-progress', 'workflow-tracker', 'container-status'].map((tag) => customElements.get(tag));
    // A query string makes the browser load and run each module a second time.
    const again = (path: string) => import(new URL(`${path}?again`, import.meta.url).href);
    await again('../../../src/elements/define/task-progress.ts');
    await again('../../../src/elements/define/workflow-tracker.ts');
    await again('../../../src/elements/define/container-status.ts');
    await again('../../../src/index.ts');
    // A second copy of a class module (as a second bundle would bring) is not defined over the first.
    const copy = await again('../../../src/elements/task-progress/task-progress.ts');
    expect(copy.TaskProgressElement).not.to.equal(before[0]);
    const defineCopy = await import(new URL('../../../src/elements/define/task-progress.ts?copy', import.meta.url).href);
    expect(defineCopy.TaskProgressElement).to.equal(before[0]);
    expect(['task-progress', 'workflow-tracker', 'container-status'].map((tag) => customElements.get(tag))).to.deep.equal(before);
  });
});
