import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../../src/elements/define/task-progress.js';
import type { ProgressEvent } from '../../../src/client/index.js';
import type { TaskProgressElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient, resetProgress, resetProgressStrings, setFrameBudget, setProgressStrings } from '../../../src/elements/index.js';
import { schedule } from '../../../src/elements/shared/frame-scheduler.js';
import { TestServer, uniqueId, waitFor } from '../helpers/progress-server.js';
import { nextFrame, record, task, text, waitForStatus } from './support.js';
import { quietFor } from '../../shared/quiet.js';

/** One render of an element: the animation frame it fell in (by count and by timeline time) and what it showed. */
interface Render {
  frame: number;
  time: number;
  /** performance.now() */
  at: number;
  status: string;
}

describe('the shared frame scheduler', () => {
  let server: TestServer;
  let frames = 0;
  let ticking: number | undefined;
  let budget: number | undefined;
  const cleanups: (() => void)[] = [];

  beforeEach(async () => {
    server = await TestServer.shared();
    configureProgress({ url: server.projectUrl, lingerTime: 50, heartbeatInterval: 0 });
    // Counts animation frames; started before anything is scheduled, so it runs first in every frame.
    frames = 0;
    const tick = () => {
      frames++;
      ticking = requestAnimationFrame(tick);
    };
    ticking = requestAnimationFrame(tick);
  });

  afterEach(() => {
    cancelAnimationFrame(ticking!);
    if (budget !== undefined) setFrameBudget(budget);
    budget = undefined;
    cleanups.splice(0).forEach((off) => off());
    fixtureCleanup();
    resetProgress();
    resetProgressStrings();
  });

  /** Mounts `count` elements following tasks t0..t{count-1} of a new project, connected and idle. */
  async function mount(count: number): Promise<{ projectId: string; els: TaskProgressElement[] }> {
    const projectId = uniqueId('fs');
    const ids = Array.from({ length: count }, (_, i) => `t${i}`);
    const box = await fixture<HTMLDivElement>(html`<div>${ids.map((id) => html`<task-progress project-id=${projectId} task-id=${id}></task-progress>`)}</div>`);
    await waitFor(() => getProgressClient()!.isConnected(projectId), 'the socket', 10000);
    const els = [...box.children] as TaskProgressElement[];
    await Promise.all(els.map((el) => el.updateComplete));
    // Let the connection change render everywhere, so that the elements are idle.
    await waitFor(() => els.every((el) => !el.shadowRoot!.querySelector('[part~="connection"]')), 'the elements to show the connection', 10000);
    await nextFrame();
    await nextFrame();
    return { projectId, els };
  }

  /** Records every render of every element from now on. */
  function watchRenders(els: TaskProgressElement[]): Map<TaskProgressElement, Render[]> {
    const renders = new Map<TaskProgressElement, Render[]>();
    for (const el of els) {
      const list: Render[] = [];
      renders.set(el, list);
      const target = el as unknown as { updated(changed: unknown): void };
      const original = target.updated;
      target.updated = function (this: TaskProgressElement, changed: unknown) {
        list.push({ frame: frames, time: Number(document.timeline.currentTime), at: performance.now(), status: text(el, '[part~="status"]') });
        original.call(this, changed);
      };
      cleanups.push(() => delete (target as { updated?: unknown }).updated);
    }
    return renders;
  }

  /** The most renders of one element in one frame, and the most renders of all elements in one frame. */
  function perFrame(renders: Map<TaskProgressElement, Render[]>): { element: number; all: number } {
    const all = new Map<number, number>();
    let element = 0;
    for (const list of renders.values()) {
      const mine = new Map<number, number>();
      for (const r of list) {
        mine.set(r.time, (mine.get(r.time) ?? 0) + 1);
        all.set(r.time, (all.get(r.time) ?? 0) + 1);
      }
      element = Math.max(element, ...mine.values());
    }
    return { element, all: Math.max(0, ...all.values()) };
  }

  function tinyBudget(): void {
    budget = setFrameBudget(0);
  }

  it('refuses a budget that is not a number of milliseconds, keeping the one it has', () => {
    const kept = setFrameBudget(5);
    try {
      for (const bad of [-1, NaN, '8' as unknown as number, undefined as unknown as number]) expect(() => setFrameBudget(bad)).to.throw(RangeError);
      expect(setFrameBudget(5)).to.equal(5);
    } finally {
      setFrameBudget(kept);
    }
  });

  it('with many dirty elements and a tiny budget, renders one element a frame and every element ends up showing its final state', async () => {
    const { projectId, els } = await mount(40);
    const renders = watchRenders(els);
    tinyBudget();
    const flood: ProgressEvent[] = [];
    for (let step = 1; step <= 3; step++) {
      for (let i = 0; i < els.length; i++) flood.push(task(projectId, `t${i}`).step(`step ${step}`, 'running', { progress: step * 20 }));
    }
    for (let i = 0; i < els.length; i++) flood.push(task(projectId, `t${i}`).completed());
    await server.publish(...flood);

    for (const el of els) await waitForStatus(el, 'Completed', 15000);
    const counts = perFrame(renders);
    // A budget of 0 still renders one element a frame, and only one.
    expect(counts.all, 'renders of all elements in one frame').to.equal(1);
    expect(counts.element).to.equal(1);
    for (const [el, list] of renders) {
      expect(list.at(-1)?.status, `${el.taskId}: last render`).to.equal('Completed');
    }
    // Waiting elements take their newest state: fewer renders than the 4 events each got.
    const total = [...renders.values()].reduce((sum, list) => sum + list.length, 0);
    expect(total).to.be.at.least(els.length).and.below(els.length * 4);
  });

  it('renders the elements waiting oldest first', async () => {
    const { projectId, els } = await mount(12);
    const renders = watchRenders(els);
    tinyBudget();
    // One event per element, in an order unlike the elements'.
    const order = els.map((_, i) => (i * 5) % els.length);
    await server.publish(...order.map((i) => task(projectId, `t${i}`).started()));
    for (const el of els) await waitForStatus(el, 'Running');
    const firstRender = (el: TaskProgressElement) => renders.get(el)![0]!.frame;
    const rendered = [...els].sort((a, b) => firstRender(a) - firstRender(b)).map((el) => Number(el.taskId!.slice(1)));
    expect(rendered).to.deep.equal(order);
  });

  it('renders an element at most once a frame, even when it is queued again while it renders', async () => {
    const { projectId, els } = await mount(20);
    const renders = watchRenders(els);
    // Every new state queues every element again, the one rendering included.
    const requeue = () => setProgressStrings({});
    els[0]!.parentElement!.addEventListener('task-progress-change', requeue);
    cleanups.push(() => els[0]!.parentElement?.removeEventListener('task-progress-change', requeue));
    const flood: ProgressEvent[] = [];
    for (let step = 1; step <= 30; step++) {
      for (let i = 0; i < els.length; i++) flood.push(task(projectId, `t${i}`).step(`s${step}`, 'running', { progress: step * 3 }));
    }
    for (let i = 0; i < els.length; i++) flood.push(task(projectId, `t${i}`).completed());
    await server.publish(...flood);
    for (const el of els) await waitForStatus(el, 'Completed', 15000);
    // Let the queued renders run out.
    for (let i = 0; i < 5; i++) await nextFrame();
    expect(perFrame(renders).element, 'renders of one element in one frame').to.equal(1);
  });

  it('renders a lone update in the very next frame', async () => {
    const { projectId, els } = await mount(30);
    const renders = watchRenders(els);
    const el = els[7]!;
    for (let sample = 1; sample <= 3; sample++) {
      let arrived = -1;
      const before = renders.get(el)!.length;
      // Events reach onEvent before any subscription gets the new state.
      const sub = getProgressClient()!.subscribeToTask({ projectId, taskId: 't7', onEvent: () => (arrived = frames) });
      await server.publish(task(projectId, 't7').step(`lone ${sample}`, 'running', { progress: sample * 10 }));
      await waitFor(() => renders.get(el)!.length > before, 'the render', 5000);
      sub.unsubscribe();
      expect(arrived, 'the event arrived').to.be.at.least(0);
      expect(renders.get(el)![before]!.frame, `sample ${sample}: frame of the render`).to.equal(arrived + 1);
      expect(text(el)).to.contain(`lone ${sample}`);
      await nextFrame();
    }
    for (const other of els) if (other !== el) expect(renders.get(other), other.taskId).to.have.length(0);
  });

  it('drops an element removed while it waits: it does not render again, and the others still do', async () => {
    const { projectId, els } = await mount(20);
    const renders = watchRenders(els);
    const removed = [els[10]!, els[19]!];
    const log = record(els[0]!.parentElement!, 'task-progress-change');
    cleanups.push(log.stop);
    tinyBudget();
    // Once the last of them has its new state, take them out: one render a frame, they still wait.
    let waitingWhenRemoved: boolean | undefined;
    const sub = getProgressClient()!.subscribeToTask({
      projectId,
      taskId: 't19',
      onEvent: () =>
        queueMicrotask(() => {
          waitingWhenRemoved = removed.every((el) => renders.get(el)!.length === 0 && el.state === undefined);
          removed.forEach((el) => el.remove());
        }),
    });
    cleanups.push(() => sub.unsubscribe());
    await server.publish(...els.map((_, i) => task(projectId, `t${i}`).completed()));
    const kept = els.filter((el) => !removed.includes(el));
    for (const el of kept) await waitForStatus(el, 'Completed', 15000);
    await quietFor(300, 'no render of a removed element after the kept ones rendered');
    await nextFrame();
    expect(waitingWhenRemoved, 'removed while waiting').to.equal(true);
    for (const el of removed) {
      expect(renders.get(el), `${el.taskId}: renders after removal`).to.have.length(0);
      expect(el.state, el.taskId).to.equal(undefined);
      expect(text(el, '[part~="status"]')).to.equal('Waiting for events');
    }
    expect(log.events.filter((e) => removed.includes(e.target as TaskProgressElement))).to.have.length(0);
    expect(log.events).to.have.length(kept.length);
  });

  it('renders on a hidden page, which gets no animation frames: everything waiting, after a while', async () => {
    const { projectId, els } = await mount(10);
    const renders = watchRenders(els);
    tinyBudget();
    const realRaf = window.requestAnimationFrame;
    window.requestAnimationFrame = () => 0;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    cleanups.push(() => {
      window.requestAnimationFrame = realRaf;
      delete (document as { hidden?: boolean }).hidden;
    });
    let arrived = 0;
    const sub = getProgressClient()!.subscribeToTask({ projectId, taskId: 't0', onEvent: () => (arrived = performance.now()) });
    cleanups.push(() => sub.unsubscribe());
    await server.publish(...els.map((_, i) => task(projectId, `t${i}`).completed()));
    for (const el of els) await waitForStatus(el, 'Completed', 5000);
    const times = [...renders.values()].map((list) => {
      expect(list).to.have.length(1);
      return list[0]!.at;
    });
    expect(Math.min(...times) - arrived, 'wait before rendering').to.be.at.least(200);
    // All at once, in spite of the tiny budget: a second run would come a while later.
    expect(Math.max(...times) - Math.min(...times)).to.be.below(100);
  });

  it('leaves nothing scheduled when the only element waiting is removed', async () => {
    const { projectId, els } = await mount(2);
    const [el, other] = els as [TaskProgressElement, TaskProgressElement];
    const renders = watchRenders(els);
    const log = record(el, 'task-progress-change');
    cleanups.push(log.stop);

    // Every frame and timeout asked for from the event's arrival to the removal: open, cancelled or run.
    const asked = { frames: new Map<number, string>(), timeouts: new Map<unknown, string>() };
    const real = { raf: window.requestAnimationFrame, caf: window.cancelAnimationFrame, set: window.setTimeout, clear: window.clearTimeout };
    const restore = () => Object.assign(window, { requestAnimationFrame: real.raf, cancelAnimationFrame: real.caf, setTimeout: real.set, clearTimeout: real.clear });
    cleanups.push(restore);
    const spy = () => {
      window.requestAnimationFrame = (cb) => {
        const id = real.raf.call(window, (t) => {
          asked.frames.set(id, 'run');
          cb(t);
        });
        asked.frames.set(id, 'open');
        return id;
      };
      window.cancelAnimationFrame = (id) => {
        if (asked.frames.has(id)) asked.frames.set(id, 'cancelled');
        real.caf.call(window, id);
      };
      window.setTimeout = ((fn: () => void, ms?: number) => {
        const id = real.set.call(window, () => {
          asked.timeouts.set(id, 'run');
          fn();
        }, ms);
        asked.timeouts.set(id, 'open');
        return id;
      }) as typeof window.setTimeout;
      window.clearTimeout = (id) => {
        if (asked.timeouts.has(id)) asked.timeouts.set(id, 'cancelled');
        real.clear.call(window, id);
      };
    };

    const removed = new Promise<void>((resolve) => {
      const sub = getProgressClient()!.subscribeToTask({
        projectId,
        taskId: 't0',
        // Before the element gets the state (and queues itself); removed in a task after the socket's
        // message, once the element has asked for its frame.
        onEvent: () => {
          spy();
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            channel.port1.close();
            el.remove();
            restore();
            sub.unsubscribe();
            resolve();
          };
          channel.port2.postMessage(null);
        },
      });
    });
    await server.publish(task(projectId, 't0').started());
    await removed;
    expect([...asked.frames.values()], 'animation frames').to.include('cancelled').and.not.include('open');
    expect([...asked.timeouts.values()], 'timeouts').to.include('cancelled').and.not.include('open');

    await quietFor(300, 'no frame or timeout of the removed element runs');
    await nextFrame();
    expect([...asked.frames.values(), ...asked.timeouts.values()]).not.to.include('run');
    expect(renders.get(el)).to.have.length(0);
    expect(log.events).to.have.length(0);
    expect(renders.get(other)).to.have.length(0);
  });

  it('runs the rest of a frame when a job throws, and reports the error as uncaught', async () => {
    const errors: unknown[] = [];
    const onerror = window.onerror;
    window.onerror = (_message, _source, _line, _column, error) => {
      errors.push(error);
      return true;
    };
    cleanups.push(() => (window.onerror = onerror));
    const boom = new Error('render failed');
    const ran: string[] = [];
    // A budget no job here can spend, even on a loaded machine: only the throw could split the frame.
    budget = setFrameBudget(10_000);
    schedule(() => {
      ran.push(`failing ${frames}`);
      throw boom;
    });
    schedule(() => ran.push(`other ${frames}`));
    await nextFrame();
    await nextFrame();
    expect(ran).to.have.length(2);
    expect(ran[1]!.split(' ')[1], 'the frame of the other job').to.equal(ran[0]!.split(' ')[1]);
    expect(errors).to.deep.equal([boom]);
  });
});
