/**
 * What a page that does not use our elements would show: a minimal Lit element of the
 * benchmark's own (`<plain-bar>`, one `percent` property, a div of that width with the
 * progressbar role), 1,000 of them, and the clock of a flood into them. The peer pages (socket.io,
 * partysocket, our client alone) differ only in what brings the events to the bars.
 */
import { css, html, LitElement } from 'lit';

export class PlainBar extends LitElement {
  static override properties = { percent: { type: Number } };
  static override styles = css`
    :host { display: block; height: 6px; margin: 2px 0; background: #ddd; }
    div { height: 100%; background: #2a6; }
  `;
  declare percent: number;

  constructor() {
    super();
    this.percent = 0;
  }

  override render() {
    return html`<div role="progressbar" aria-label="progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${this.percent} style="width: ${this.percent}%"></div>`;
  }
}
customElements.define('plain-bar', PlainBar);

/** The wire fields a page's own handler reads. */
interface WireEvent {
  type?: string;
  taskId?: string;
  progress?: number;
}

export interface BarsFloodResult {
  events: number;
  ms: number;
  eventsPerSecond: number;
  server: unknown;
}

const nextFrame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));

/** 1,000 bars, one per task t0…, and the bookkeeping of which tasks completed. */
export class BarBoard {
  /** @param describe What the page knows about its connection, added to the error of a flood that did not complete. */
  constructor(private readonly describe: () => string = () => '') {}

  private readonly host = document.body.appendChild(document.createElement('div'));
  private bars = new Map<string, PlainBar>();
  private completed = new Set<string>();
  private onAllComplete: (() => void) | undefined;
  private onFailure: ((error: Error) => void) | undefined;

  get size(): number {
    return this.bars.size;
  }

  /** Mounts `count` bars for tasks t0…t{count-1} and waits for their first render. */
  async mount(count: number): Promise<void> {
    this.unmount();
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < count; i++) {
      const bar = document.createElement('plain-bar') as PlainBar;
      fragment.appendChild(bar);
      this.bars.set(`t${i}`, bar);
    }
    this.host.appendChild(fragment);
    await Promise.all([...this.bars.values()].map((bar) => bar.updateComplete));
    await nextFrame();
  }

  unmount(): void {
    for (const bar of this.bars.values()) bar.remove();
    this.bars.clear();
    this.completed.clear();
  }

  /** Sets a task's bar; `done` marks the task as completed. */
  set(taskId: string, percent: number | undefined, done: boolean): void {
    const bar = this.bars.get(taskId);
    if (!bar) return;
    if (percent !== undefined) bar.percent = percent;
    if (done && !this.completed.has(taskId)) {
      this.completed.add(taskId);
      if (this.completed.size === this.bars.size) this.onAllComplete?.();
    }
  }

  /**
   * Ends the running flood with an error (e.g. the server closed the socket: a page without
   * resume has lost the events in between, so its bars would never complete).
   */
  fail(reason: string): void {
    this.onFailure?.(new Error(`flood not shown: ${reason} (${this.completed.size}/${this.bars.size} tasks completed)${this.notes()}`));
  }

  private notes(): string {
    const text = this.describe();
    return text ? `; ${text}` : '';
  }

  /** What a page's own handler of raw events does: find the bar by taskId, set its percent. */
  applyEvent(event: WireEvent): void {
    if (typeof event.taskId !== 'string') return;
    if (event.type === 'step_progress') this.set(event.taskId, event.progress, false);
    else if (event.type === 'task_completed') this.set(event.taskId, 100, true);
  }

  /**
   * Asks the benchmark for the prepared flood and times until every task completed and every
   * bar rendered it (100%).
   */
  async flood(events: number): Promise<BarsFloodResult> {
    this.completed.clear();
    const done = new Promise<void>((resolve, reject) => {
      this.onAllComplete = resolve;
      this.onFailure = reject;
    });
    await nextFrame();
    const t0 = performance.now();
    const response = fetch('/control/flood').then((r) => r.json());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`flood not shown: ${this.completed.size}/${this.bars.size} tasks completed${this.notes()}`)), 60000);
    });
    try {
      await Promise.race([done, deadline]);
    } finally {
      clearTimeout(timer);
      this.onAllComplete = undefined;
      this.onFailure = undefined;
    }
    await Promise.all([...this.bars.values()].map((bar) => bar.updateComplete));
    const ms = performance.now() - t0;
    const shown = [...this.bars.values()].filter((bar) => bar.shadowRoot?.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') === '100').length;
    if (shown !== this.bars.size) throw new Error(`only ${shown}/${this.bars.size} bars show 100`);
    return { events, ms, eventsPerSecond: (events / ms) * 1000, server: await response };
  }
}
