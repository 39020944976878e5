/**
 * The elements page: 1,000 live <task-progress> elements on the page's shared client, fed by the
 * reference server. Measures events per second under a flood (with and without batch frames),
 * renders per element per animation frame, and the time from publish to render of a lone event.
 */
import { configureProgress, resetProgress, getProgressClient, TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement } from '../../src/index.js';
import { countRenders, nextFrame, type RenderStats } from './render-counter.js';

const counter = countRenders([TaskProgressElement, WorkflowTrackerElement, ContainerStatusElement]);
const host = document.body.appendChild(document.createElement('div'));
let elements: TaskProgressElement[] = [];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string, timeout = 30000): Promise<void> {
  const end = performance.now() + timeout;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

export interface FloodResult {
  events: number;
  ms: number;
  eventsPerSecond: number;
  render: RenderStats;
  server: unknown;
}

const bench = {
  visibility: () => document.visibilityState,

  /** The page's client: per-project sockets on `url`, batch frames accepted or not. */
  configure(url: string, batch: boolean): void {
    configureProgress({ url, batch, heartbeatInterval: 0 });
  },

  /** Adds page CSS (outer rules on the host elements), for the diagnostic variants. */
  hostStyle(text: string): void {
    const style = document.createElement('style');
    style.textContent = text;
    document.head.appendChild(style);
  },

  reset(): void {
    bench.unmount();
    resetProgress();
  },

  /** Mounts `count` elements following tasks t0..t{count-1} of `projectId`, and waits for their socket. */
  async mount(projectId: string, count: number, layout: 'detailed' | 'compact' = 'detailed'): Promise<number> {
    bench.unmount();
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < count; i++) {
      const el = document.createElement('task-progress');
      el.setAttribute('project-id', projectId);
      el.setAttribute('task-id', `t${i}`);
      el.setAttribute('layout', layout);
      fragment.appendChild(el);
      elements.push(el);
    }
    host.appendChild(fragment);
    await Promise.all(elements.map((el) => el.updateComplete));
    const client = getProgressClient()!;
    await until(() => client.isConnected(projectId), 'the socket to connect');
    await nextFrame();
    await Promise.all(elements.map((el) => el.updateComplete));
    return client.getSubscriptionCount();
  },

  unmount(): void {
    for (const el of elements) el.remove();
    elements = [];
  },

  /**
   * Asks the server to publish the prepared flood and waits until every element has rendered
   * its task as completed (the flood ends with one task_completed per task).
   */
  async flood(events: number): Promise<FloodResult> {
    const count = elements.length;
    let completed = 0;
    let resolveDone!: () => void;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    const onComplete = () => {
      if (++completed === count) resolveDone();
    };
    host.addEventListener('task-complete', onComplete);
    await nextFrame();
    counter.reset();
    counter.startFrames();
    const t0 = performance.now();
    const response = fetch('/control/flood').then((r) => r.json());
    const deadline = sleep(60000).then(() => {
      throw new Error(`flood not rendered: ${completed}/${count} elements completed`);
    });
    await Promise.race([done, deadline]);
    await Promise.all(elements.map((el) => el.updateComplete));
    const ms = performance.now() - t0;
    const render = counter.read();
    host.removeEventListener('task-complete', onComplete);
    const shown = elements.filter((el) => el.shadowRoot?.textContent?.includes('Completed')).length;
    if (shown !== count) throw new Error(`only ${shown}/${count} elements show "Completed"`);
    return { events, ms, eventsPerSecond: (events / ms) * 1000, render, server: await response };
  },

  /**
   * Publish-to-render time of lone events on an idle stream: each sample waits for quiet, then
   * asks the server to publish one event for one element and times until that element rendered it.
   */
  async latency(samples: number, quietMs: number): Promise<number[]> {
    const times: number[] = [];
    for (let s = 0; s < samples; s++) {
      const el = elements[(s * 37) % elements.length]!;
      const marker = `lone ${s}`;
      await sleep(quietMs);
      await nextFrame();
      const rendered = new Promise<void>((resolve) => {
        const onChange = () => {
          if (el.state?.message !== marker) return;
          el.removeEventListener('task-progress-change', onChange);
          resolve();
        };
        el.addEventListener('task-progress-change', onChange);
      });
      const t0 = performance.now();
      void fetch(`/control/lone?task=${encodeURIComponent(el.taskId!)}&message=${encodeURIComponent(marker)}`);
      await rendered;
      await el.updateComplete;
      times.push(performance.now() - t0);
    }
    return times;
  },

  /**
   * Checks the render counter: two renders of one element in one animation frame are counted as
   * one extra, renders in two frames are not.
   */
  async selfCheck(): Promise<{ sameFrame: number; twoFrames: number }> {
    const el = document.createElement('task-progress');
    el.label = 'check';
    host.appendChild(el);
    await el.updateComplete;
    await nextFrame();
    counter.reset();
    await new Promise<void>((resolve) =>
      requestAnimationFrame(async () => {
        el.requestUpdate();
        await el.updateComplete;
        el.requestUpdate();
        await el.updateComplete;
        resolve();
      }),
    );
    const sameFrame = counter.read().extraRenders;
    counter.reset();
    el.requestUpdate();
    await el.updateComplete;
    await nextFrame();
    await nextFrame();
    el.requestUpdate();
    await el.updateComplete;
    const twoFrames = counter.read().extraRenders;
    el.remove();
    return { sameFrame, twoFrames };
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
