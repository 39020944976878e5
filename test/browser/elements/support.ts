/** What the element tests share: reading what a user sees, waiting for it, and building wire events. */
import { fixtureCleanup } from '@open-wc/testing';
import type { LitElement } from 'lit';
import type { ContainerEvent, TaskEvent, WorkflowEvent } from '../../../src/client/index.js';
import { configureProgress, resetProgress } from '../../../src/elements/index.js';
import { TestServer, waitFor } from '../helpers/progress-server.js';

/**
 * For a `describe` block: before each test, the page's client on the shared test server; after
 * it, the fixtures gone and the client reset. Returns the server (of the test under way).
 */
export function onSharedServer(): () => TestServer {
  let server: TestServer | undefined;
  beforeEach(async () => {
    server = await TestServer.shared();
    configureProgress({ url: server.projectUrl, lingerTime: 50 });
  });
  afterEach(() => {
    fixtureCleanup();
    resetProgress();
  });
  return () => server!;
}

export const ts = (offsetMs = 0): string => new Date(Date.now() + offsetMs).toISOString();

/** The text of an element's shadow DOM (or of a node inside it), whitespace collapsed. */
export function text(el: Element, selector?: string): string {
  const root: ParentNode = el.shadowRoot ?? el;
  const node = selector ? root.querySelector(selector) : root;
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

export function part(el: Element, name: string): HTMLElement | null {
  return el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
}

export function parts(el: Element, name: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
}

export function progressbar(el: Element): HTMLElement {
  const bar = el.shadowRoot!.querySelector<HTMLElement>('[role="progressbar"]');
  if (!bar) throw new Error('no progressbar');
  return bar;
}

export function liveText(el: Element): string {
  return text(el, '[role="status"]');
}

/** What the connection line says of the data (`live`, `reconnecting`, `failed`, …), or null when the card has none. */
export function connectionOf(el: Element): string | null {
  return part(el, 'connection')?.dataset.connection ?? null;
}

/** The connection line's text, without its button. */
export function notice(el: Element): string {
  return text(el, '[part~="connection"] .connection-text');
}

/** Characters that must never reach the DOM: escape and control characters other than newline. */
export const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/** Waits until the element's shadow text contains `expected` (or matches it). */
export async function waitForText(el: Element, expected: string | RegExp, timeout = 10000): Promise<void> {
  const has = () => (typeof expected === 'string' ? text(el).includes(expected) : expected.test(text(el)));
  try {
    await waitFor(has, `text ${expected}`, timeout);
  } catch {
    throw new Error(`timed out waiting for ${expected} in: ${text(el)}`);
  }
  await (el as LitElement).updateComplete;
}

/** Waits until the status part reads `expected`. */
export async function waitForStatus(el: Element, expected: string, timeout = 10000): Promise<void> {
  try {
    await waitFor(() => text(el, '[part~="status"]') === expected, `status ${expected}`, timeout);
  } catch {
    throw new Error(`timed out waiting for status ${expected}; status is ${text(el, '[part~="status"]')}`);
  }
  await (el as LitElement).updateComplete;
}

/** Collects the events of the given names that reach `target`. */
export function record<E extends Event = CustomEvent>(target: EventTarget, ...names: string[]): { events: E[]; names: () => string[]; stop: () => void } {
  const events: E[] = [];
  const listener = (e: Event) => events.push(e as E);
  for (const name of names) target.addEventListener(name, listener);
  return { events, names: () => events.map((e) => e.type), stop: () => names.forEach((n) => target.removeEventListener(n, listener)) };
}

/** The next animation frame, and then whatever update it caused. */
export async function nextFrame(el?: Element): Promise<void> {
  await new Promise((r) => requestAnimationFrame(() => r(undefined)));
  if (el) await (el as LitElement).updateComplete;
}

/** Markup that must show up as text, never as elements. */
export const MARKUP = '<img src=x onerror="window.__pwned=1"><b>bold</b>';

// ---- wire events ------------------------------------------------------------------------

export function task(projectId: string, taskId: string) {
  const base = { projectId, taskId };
  return {
    queued: (): TaskEvent => ({ type: 'task_queued', ...base, timestamp: ts() }),
    started: (at = ts()): TaskEvent => ({ type: 'task_started', ...base, timestamp: at }),
    step: (step: string, status: 'pending' | 'running' | 'completed' | 'failed' | 'skipped', extra: { progress?: number; message?: string; output?: string } = {}): TaskEvent => ({
      type: 'step_progress',
      ...base,
      timestamp: ts(),
      stepId: step,
      step,
      status,
      ...extra,
    }),
    output: (output: string): TaskEvent => ({ type: 'output', ...base, timestamp: ts(), output }),
    artifact: (path: string, type: string, size?: number): TaskEvent => ({
      type: 'artifact',
      ...base,
      timestamp: ts(),
      artifact: size === undefined ? { path, type } : { path, type, size },
    }),
    completed: (duration?: number): TaskEvent => ({ type: 'task_completed', ...base, timestamp: ts(), ...(duration === undefined ? {} : { duration }) }),
    failed: (error: string): TaskEvent => ({ type: 'task_failed', ...base, timestamp: ts(), error }),
    cancelled: (): TaskEvent => ({ type: 'task_cancelled', ...base, timestamp: ts() }),
  };
}

export function workflow(projectId: string, workflowId: string, executionId: string, totalPhases?: number) {
  const base = { projectId, workflowId, executionId, ...(totalPhases === undefined ? {} : { totalPhases }) };
  return {
    created: (at = ts()): WorkflowEvent => ({ type: 'workflow_execution_created', ...base, timestamp: at }),
    started: (): WorkflowEvent => ({ type: 'workflow_execution_started', ...base, timestamp: ts() }),
    phaseStarted: (phaseId: string, phase: string): WorkflowEvent => ({ type: 'workflow_phase_started', ...base, timestamp: ts(), phaseId, phase }),
    phaseCompleted: (phaseId: string, phase: string, output?: unknown): WorkflowEvent => ({
      type: 'workflow_phase_completed',
      ...base,
      timestamp: ts(),
      phaseId,
      phase,
      ...(output === undefined ? {} : { output }),
    }),
    paused: (): WorkflowEvent => ({ type: 'workflow_execution_paused', ...base, timestamp: ts() }),
    resumed: (): WorkflowEvent => ({ type: 'workflow_execution_resumed', ...base, timestamp: ts() }),
    completed: (output?: unknown): WorkflowEvent => ({ type: 'workflow_execution_completed', ...base, timestamp: ts(), ...(output === undefined ? {} : { output }) }),
    failed: (error: string): WorkflowEvent => ({ type: 'workflow_execution_failed', ...base, timestamp: ts(), error }),
  };
}

export function container(projectId: string, containerId: string) {
  const base = { projectId, containerId };
  return {
    created: (image: string): ContainerEvent => ({ type: 'container_created', ...base, timestamp: ts(), image }),
    started: (at = ts()): ContainerEvent => ({ type: 'container_started', ...base, timestamp: at }),
    stopped: (exitCode?: number): ContainerEvent => ({ type: 'container_stopped', ...base, timestamp: ts(), ...(exitCode === undefined ? {} : { exitCode }) }),
    error: (error: string): ContainerEvent => ({ type: 'container_error', ...base, timestamp: ts(), error }),
  };
}
