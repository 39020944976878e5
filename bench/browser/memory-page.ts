/**
 * The memory page: mounts and unmounts elements by the thousand on the page's shared client and
 * reports what is left afterwards (subscriptions, sockets, timers, animation frames).
 */
import { benchFrame, benchSleep, liveHandles, type Handles } from './handle-tracker.js';
import { configureProgress, getProgressClient } from '../../src/index.js';

export type Tag = 'task-progress' | 'workflow-tracker' | 'container-status';

/** Entities per kind that the server has published state for; mounts cycle through them. */
export const ENTITIES = 20;

type LiveElement = HTMLElement & { updateComplete: Promise<boolean>; state: unknown };

function make(tag: Tag, projectId: string, i: number): LiveElement {
  const el = document.createElement(tag) as LiveElement;
  el.setAttribute('project-id', projectId);
  const n = i % ENTITIES;
  if (tag === 'task-progress') el.setAttribute('task-id', `t${n}`);
  else if (tag === 'workflow-tracker') {
    el.setAttribute('workflow-id', `w${n}`);
    el.setAttribute('execution-id', `x${n}`);
  } else el.setAttribute('container-id', `c${n}`);
  return el;
}

const host = document.body.appendChild(document.createElement('div'));
let kept: LiveElement[] = [];

export interface PageState {
  subscriptions: number;
  clientSockets: number;
  handles: Handles;
}

const bench = {
  configure(url: string): void {
    configureProgress({ url });
  },

  /** Mounts one element per entity of each kind and keeps them until unmountAll(). */
  async mountAll(projectId: string): Promise<number> {
    for (const tag of ['task-progress', 'workflow-tracker', 'container-status'] as const) {
      for (let i = 0; i < ENTITIES; i++) kept.push(host.appendChild(make(tag, projectId, i)));
    }
    await Promise.all(kept.map((el) => el.updateComplete));
    const client = getProgressClient()!;
    const end = performance.now() + 10000;
    while (!client.isConnected(projectId) && performance.now() < end) await benchSleep(5);
    return client.getSubscriptionCount();
  },

  /** How many of the kept elements have a live state. */
  async shownAll(): Promise<number> {
    await benchFrame();
    await Promise.all(kept.map((el) => el.updateComplete));
    return kept.filter((el) => el.state !== undefined).length;
  },

  unmountAll(): void {
    for (const el of kept) el.remove();
    kept = [];
  },

  /**
   * `cycles` mount/unmount cycles of `tag`, `batch` elements at a time: mount, wait for the first
   * render, wait one animation frame (the known state arrives and renders), unmount.
   * Returns the time taken and how many elements showed their state before being removed.
   */
  async cycles(tag: Tag, projectId: string, cycles: number, batch: number): Promise<{ ms: number; showedState: number }> {
    const t0 = performance.now();
    let showedState = 0;
    for (let done = 0; done < cycles; done += batch) {
      const elements: LiveElement[] = [];
      const n = Math.min(batch, cycles - done);
      for (let i = 0; i < n; i++) elements.push(host.appendChild(make(tag, projectId, done + i)));
      await Promise.all(elements.map((el) => el.updateComplete));
      await benchFrame();
      await Promise.all(elements.map((el) => el.updateComplete));
      for (const el of elements) {
        if (el.state !== undefined) showedState++;
        el.remove();
      }
    }
    return { ms: performance.now() - t0, showedState };
  },

  state(): PageState {
    const client = getProgressClient();
    return {
      subscriptions: client?.getSubscriptionCount() ?? -1,
      clientSockets: client?.getStats().sockets ?? -1,
      handles: liveHandles(),
    };
  },

  sleep: (ms: number) => benchSleep(ms),
};

(window as unknown as { bench: typeof bench }).bench = bench;
