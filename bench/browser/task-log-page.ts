/**
 * The task log page: one view of a task's terminal output, fed by the reference server through
 * the page's shared client, in one of three ways (bench/task-log.ts drives it):
 *
 * - `element`: `<task-log>`, which follows the task itself (its own subscription, and the log
 *   reads of the server's output store);
 * - `xterm`: an @xterm/xterm 6 Terminal (scrollback large enough for the whole log), written to
 *   by the client's event listener;
 * - `pre`: a plain `<pre>` the same listener appends each chunk to.
 *
 * All three get the same `output` events from the same client. An empty requestAnimationFrame
 * loop runs while the page is open, so that the page makes a frame every vsync whatever it shows
 * (the driver's trace cuts the main thread's time into those frames).
 */
import { Terminal } from '@xterm/xterm';
import '../../src/elements/define/task-log.js';
import { configureProgress, getProgressClient, resetProgress, type TaskLogElement } from '../../src/elements/index.js';
import type { ProgressSubscription } from '../../src/client/index.js';

export type ViewKind = 'element' | 'xterm' | 'pre';

const WIDTH = 960;
const HEIGHT = 480;
/** The terminal's size in cells; its scrollback holds the rest of the log. */
const COLS = 100;
const ROWS = 24;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

async function until(check: () => boolean, what: string, timeout = 60000, every = 5): Promise<void> {
  const end = performance.now() + timeout;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
}

// The frame loop: a frame every vsync (see above).
let looping = true;
const loop = () => {
  renders.frames++;
  if (looping) requestAnimationFrame(loop);
};
requestAnimationFrame(loop);

interface View {
  kind: ViewKind;
  /** `output` events received by the page's listener. */
  events: number;
  /** Lines written into the view (the listener's count of newlines). */
  lines: number;
  /** xterm: writes parsed so far (its write callback), and their lines. */
  parsed: number;
  parsedLines: number;
  element?: TaskLogElement;
  term?: Terminal;
  pre?: HTMLPreElement;
  subscription?: ProgressSubscription;
  host: HTMLElement;
}

let view: View | undefined;

/** The element's renders (Lit updates) and the script time they took, since the last read. */
const renders = { count: 0, ms: 0, frames: 0, max: 0 };
function countRenders(el: TaskLogElement): void {
  const target = el as unknown as { performUpdate(): void };
  const performUpdate = target.performUpdate.bind(el);
  target.performUpdate = () => {
    const t0 = performance.now();
    performUpdate();
    renders.count++;
    renders.ms += performance.now() - t0;
    renders.max = Math.max(renders.max, performance.now() - t0);
  };
}

function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function scroller(el: TaskLogElement): HTMLElement {
  return el.shadowRoot!.querySelector<HTMLElement>('[part~="log"]')!;
}

/** The line numbers the element has in its shadow root now. */
function drawnLines(el: TaskLogElement): number[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="line"]')].map((l) => Number(l.dataset.line));
}

/** Whether line `n` is drawn inside the element's scroll area (not only in its overscan). */
function lineInView(el: TaskLogElement, n: number): boolean {
  const line = el.shadowRoot!.querySelector<HTMLElement>(`[data-line="${n}"]`);
  if (!line) return false;
  const a = line.getBoundingClientRect();
  const b = scroller(el).getBoundingClientRect();
  return a.bottom > b.top && a.top < b.bottom;
}

const bench = {
  visibility: () => document.visibilityState,

  configure(apiBase: string): void {
    configureProgress({ url: apiBase, heartbeatInterval: 0, persist: false });
  },

  /**
   * Mounts one view of task `taskId`; waits for its socket. `scrollback`: the terminal's. `css`:
   * xterm's style sheet (read by the driver from the package).
   */
  async mount(kind: ViewKind, projectId: string, taskId: string, scrollback: number, css = ''): Promise<void> {
    bench.unmount();
    const host = document.body.appendChild(document.createElement('div'));
    host.style.cssText = `width:${WIDTH}px;height:${HEIGHT}px;position:relative;`;
    const v: View = { kind, events: 0, lines: 0, parsed: 0, parsedLines: 0, host };
    view = v;
    const client = getProgressClient()!;
    if (kind === 'element') {
      const el = document.createElement('task-log');
      el.setAttribute('project-id', projectId);
      el.setAttribute('task-id', taskId);
      el.style.setProperty('--task-log-height', `${HEIGHT - 60}px`);
      host.appendChild(el);
      v.element = el;
      countRenders(el);
      // The page's own count of what came (the element follows the task on its own subscription).
      v.subscription = client.subscribeToTask({
        projectId,
        taskId,
        onEvent: (event) => {
          if (event.type !== 'output') return;
          v.events++;
          v.lines += newlines(event.output);
        },
      });
      await el.updateComplete;
    } else {
      let write: (text: string, lines: number) => void;
      if (kind === 'xterm') {
        const style = document.head.appendChild(document.createElement('style'));
        style.textContent = css;
        const term = new Terminal({ cols: COLS, rows: ROWS, scrollback, convertEol: true, allowProposedApi: false });
        term.open(host);
        v.term = term;
        // The write callback is xterm's flow control: the feeder paces on what it has parsed.
        write = (text, lines) =>
          term.write(text, () => {
            v.parsed++;
            v.parsedLines += lines;
          });
      } else {
        const pre = host.appendChild(document.createElement('pre'));
        pre.style.cssText = `margin:0;height:${HEIGHT}px;overflow:auto;font:13px/16px monospace;`;
        v.pre = pre;
        write = (text) => pre.append(text);
      }
      v.subscription = client.subscribeToTask({
        projectId,
        taskId,
        onEvent: (event) => {
          if (event.type !== 'output') return;
          const lines = newlines(event.output);
          v.events++;
          v.lines += lines;
          write(event.output, lines);
        },
      });
    }
    await until(() => client.isConnected(projectId), 'the socket to connect');
    await frame();
  },

  unmount(): void {
    const v = view;
    view = undefined;
    if (!v) return;
    v.subscription?.unsubscribe();
    v.term?.dispose();
    v.host.remove();
  },

  reset(): void {
    bench.unmount();
    resetProgress();
  },

  /** The element's renders, their time and the frames since the last call; then starts counting again. */
  renders(): { count: number; ms: number; frames: number; max: number } {
    const read = { ...renders };
    renders.count = renders.ms = renders.frames = renders.max = 0;
    return read;
  },

  /**
   * What the view has received; `taken`: the lines it has taken in (xterm: parsed, as its write
   * callbacks say; it discards writes past 50 MB pending), which the feeder paces on.
   */
  received(): { events: number; lines: number; parsed: number; taken: number } {
    const v = view!;
    return { events: v.events, lines: v.lines, parsed: v.parsed, taken: v.kind === 'xterm' ? v.parsedLines : v.lines };
  },

  /**
   * Whether the view shows line `total` (the last one), as a reader at the bottom sees it: the
   * element draws it in view; xterm parsed every write and its last line is the one written last;
   * the <pre> has every chunk.
   */
  showsLast(total: number, events: number): boolean {
    const v = view!;
    if (v.kind === 'element') return lineInView(v.element!, total);
    if (v.kind === 'xterm') return v.parsed >= events;
    return v.events >= events;
  },

  /** Waits until the view shows line `total` (see showsLast); resolves with the time it took. */
  async waitLast(total: number, events: number, timeout: number): Promise<number> {
    const t0 = performance.now();
    await until(() => bench.showsLast(total, events), `line ${total} shown`, timeout, 16);
    if (view?.kind !== 'pre') await frame();
    return performance.now() - t0;
  },

  /** Nodes in the element's shadow root (the element), or in the view's host (the others). */
  nodes(): number {
    const v = view!;
    const root: Node = v.kind === 'element' ? v.element!.shadowRoot! : v.host;
    let n = 0;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
    while (walker.nextNode()) n++;
    return n;
  },

  /** The element's scroll area to the top (the reader moves there before scrolling down). */
  async toTop(): Promise<void> {
    const v = view!;
    if (v.kind === 'element') scroller(v.element!).scrollTop = 0;
    else if (v.kind === 'xterm') v.term!.scrollToTop();
    else v.pre!.scrollTop = 0;
    await frame();
    await frame();
  },

  /**
   * Scrolls from the top to the bottom in `steps` moves, one a frame (each move a jump of
   * 1/steps of the log: a log of a million lines cannot be scrolled a screen a frame in a
   * benchmark's time). Resolves with the frames' rAF times, for the driver to match in its trace.
   */
  async scrollDown(steps: number): Promise<{ ms: number; shown: number }> {
    const v = view!;
    const t0 = performance.now();
    let shown = 0;
    for (let s = 1; s <= steps; s++) {
      await frame();
      if (v.kind === 'element') {
        const el = scroller(v.element!);
        el.scrollTop = Math.round(((el.scrollHeight - el.clientHeight) * s) / steps);
      } else if (v.kind === 'xterm') {
        const buffer = v.term!.buffer.active;
        v.term!.scrollToLine(Math.round((buffer.baseY * s) / steps));
      } else {
        const pre = v.pre!;
        pre.scrollTop = Math.round(((pre.scrollHeight - pre.clientHeight) * s) / steps);
      }
    }
    await frame();
    await frame();
    if (v.kind === 'element') shown = Math.max(...drawnLines(v.element!));
    return { ms: performance.now() - t0, shown };
  },

  /**
   * A jump to line `n`: asked in one frame; whether the next frame shows it (in view), and the
   * time the element's update took.
   */
  async jump(n: number): Promise<{ nextFrame: boolean; afterTwo: boolean; updateMs: number }> {
    const v = view!;
    await frame();
    let updateMs = NaN;
    await new Promise<void>((resolve) =>
      requestAnimationFrame(() => {
        const t0 = performance.now();
        if (v.kind === 'element') {
          v.element!.scrollToLine(n);
          void v.element!.updateComplete.then(() => {
            updateMs = performance.now() - t0;
          });
        } else if (v.kind === 'xterm') v.term!.scrollToLine(n - 1);
        else v.pre!.scrollTop = (n - 1) * 16;
        resolve();
      }),
    );
    const shown = () => {
      if (v.kind === 'element') return lineInView(v.element!, n);
      if (v.kind === 'xterm') return v.term!.buffer.active.viewportY <= n - 1 && n - 1 < v.term!.buffer.active.viewportY + ROWS;
      return Math.abs(v.pre!.scrollTop - (n - 1) * 16) < HEIGHT;
    };
    await frame();
    const nextFrame = shown();
    await frame();
    return { nextFrame, afterTwo: shown(), updateMs };
  },

  /**
   * Counts the matches of `text` in the whole log. The element: typed into its search field,
   * until its count is final. xterm and the <pre> have no search of their own: the page reads
   * the terminal's buffer line by line / the <pre>'s text (context).
   */
  async search(text: string): Promise<{ ms: number; count: number }> {
    const v = view!;
    const t0 = performance.now();
    if (v.kind === 'element') {
      const el = v.element!;
      const input = el.shadowRoot!.querySelector<HTMLInputElement>('[part~="search-input"]')!;
      input.value = text;
      input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
      const countPart = el.shadowRoot!.querySelector<HTMLElement>('[part~="search-count"]')!;
      await until(() => /^\d[\d,]* match/.test(countPart.textContent ?? '') || countPart.textContent === 'No matches', 'the search count', 30000);
      const ms = performance.now() - t0;
      return { ms, count: Number((countPart.textContent ?? '0').replace(/\D/g, '')) };
    }
    // In a task of the page's own (as a click handler would run it), not in the DevTools call.
    await sleep(0);
    let count = 0;
    if (v.kind === 'xterm') {
      const buffer = v.term!.buffer.active;
      for (let i = 0; i < buffer.length; i++) {
        const line = buffer.getLine(i)!.translateToString(true);
        for (let at = line.indexOf(text); at >= 0; at = line.indexOf(text, at + text.length)) count++;
      }
    } else {
      const all = v.pre!.textContent ?? '';
      for (let at = all.indexOf(text); at >= 0; at = all.indexOf(text, at + text.length)) count++;
    }
    return { ms: performance.now() - t0, count };
  },

  /** The element: the line numbers drawn now (late join). */
  drawn(): number[] {
    return view?.element ? drawnLines(view.element) : [];
  },

  /**
   * Late join: mounts `<task-log>` for a task whose log the server has already, and times from
   * its connection (appended to the page) to its last screen shown: line `total` drawn in view.
   */
  async lateJoin(projectId: string, taskId: string, total: number, timeout: number): Promise<{ ms: number; drawn: number[] }> {
    bench.unmount();
    const host = document.body.appendChild(document.createElement('div'));
    host.style.cssText = `width:${WIDTH}px;height:${HEIGHT}px;position:relative;`;
    const el = document.createElement('task-log');
    el.setAttribute('project-id', projectId);
    el.setAttribute('task-id', taskId);
    el.style.setProperty('--task-log-height', `${HEIGHT - 60}px`);
    view = { kind: 'element', events: 0, lines: 0, parsed: 0, parsedLines: 0, host, element: el };
    const t0 = performance.now();
    host.appendChild(el);
    await until(() => lineInView(el, total), `line ${total} in view`, timeout);
    return { ms: performance.now() - t0, drawn: drawnLines(el) };
  },

  /** The element: scrolls its area to the top and waits until line `n` (an earlier one, not read yet) is drawn. */
  async scrollUpTo(n: number, timeout: number): Promise<number> {
    const el = view!.element!;
    const t0 = performance.now();
    scroller(el).scrollTop = 0;
    await until(() => drawnLines(el).includes(n), `line ${n} drawn after scrolling up`, timeout);
    return performance.now() - t0;
  },

  stopLoop(): void {
    looping = false;
  },
};

(window as unknown as { bench: typeof bench }).bench = bench;
