/**
 * A page with one `<task-log>` for the Chromium tests of the task log (test/node/task-log/chromium-*):
 * the element on the page's shared client, and what the test reads back through `window.bench`.
 * Query: `api` (the REST base, e.g. `http://127.0.0.1:9900/api`), `project`, `task`, `share`
 * (`1`: tabs share one connection), `persist` (`1`: the client keeps its position across a reload).
 * A URL fragment (`#log-{task}-L{n}`) is read by the element as a permalink.
 */
import '../../../src/elements/define/task-log.js';
import type { TaskLogElement } from '../../../src/elements/index.js';
import { configureProgress, getProgressClient } from '../../../src/index.js';

const params = new URLSearchParams(location.search);
const persist = params.get('persist') === '1';
configureProgress({
  url: params.get('api')!,
  shareTabs: params.get('share') === '1',
  heartbeatInterval: 1000,
  heartbeatTimeout: 1000,
  reconnectDelay: 50,
  maxReconnectDelay: 300,
  persist,
});

const el = document.createElement('task-log') as TaskLogElement;
el.setAttribute('project-id', params.get('project') ?? 'p1');
el.setAttribute('task-id', params.get('task') ?? 't1');
document.body.append(el);

/** One row as a reader sees it: a line (its number and text), or a marker of lines not shown (its text). */
export type SeenRow = { n: number; text: string } | { gap: string; reason: string };

/** A frame drawn, or (in a tab in the background, which draws none) a moment passed. */
const frame = () =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 100);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      resolve();
    });
  });

async function settle(): Promise<void> {
  await el.updateComplete;
  await frame();
  await frame();
  await el.updateComplete;
}

/** The rows drawn now, by their place in the log (row index, from their offset in the scroll space). */
function drawn(into: Map<number, SeenRow>): void {
  const root = el.shadowRoot!;
  const space = root.querySelector<HTMLElement>('.space')!;
  const top = space.getBoundingClientRect().top;
  for (const row of root.querySelectorAll<HTMLElement>('.rows > .row')) {
    const index = Math.round((row.getBoundingClientRect().top - top) / row.offsetHeight);
    if (row.matches('[part~=line]')) into.set(index, { n: Number(row.dataset['line']), text: row.querySelector('[part~=text]')?.textContent ?? '' });
    else into.set(index, { gap: row.textContent?.trim() ?? '', reason: row.dataset['reason'] ?? row.getAttribute('part') ?? '' });
  }
}

const scroller = () => el.shadowRoot?.querySelector<HTMLElement>('[part~=log]') ?? null;

(window as unknown as { bench: object }).bench = {
  connection: () => getProgressClient()?.getConnectionState(params.get('project') ?? 'p1'),
  stats: () => getProgressClient()?.getStats(),
  /** The rows in view now, top to bottom. */
  inView: async () => {
    await settle();
    const rows = new Map<number, SeenRow>();
    drawn(rows);
    return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  },
  /** The last line number drawn at the bottom of the view (0 when none): what a reader following the log sees last. */
  lastInView: () => {
    const rows = new Map<number, SeenRow>();
    if (!el.shadowRoot?.querySelector('.space')) return 0;
    drawn(rows);
    const lines = [...rows.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, r]) => ('n' in r ? [r.n] : []));
    return lines.at(-1) ?? 0;
  },
  /** Every row of the log, read as a reader would: scrolled from the top to the bottom a screen at a time (reads of earlier lines start as they come into view). Ends at the bottom, following again. */
  readAll: async () => {
    const log = scroller()!;
    const rows = new Map<number, SeenRow>();
    log.scrollTop = 0;
    await settle();
    for (let guard = 0; guard < 10000; guard++) {
      drawn(rows);
      if (log.scrollTop + log.clientHeight >= log.scrollHeight - 1) break;
      log.scrollTop += Math.max(20, Math.floor(log.clientHeight * 0.75));
      await settle();
    }
    log.scrollTop = log.scrollHeight;
    await settle();
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~=new-lines]')?.click();
    return [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  },
  /** The lines a permalink selected (their numbers), and whether the first is in view. */
  selected: () => {
    const log = scroller();
    const rows = [...(el.shadowRoot?.querySelectorAll<HTMLElement>('[part~=line-selected]') ?? [])];
    const box = log?.getBoundingClientRect();
    return rows.map((r) => {
      const b = r.getBoundingClientRect();
      return { n: Number(r.dataset['line']), inView: !!box && b.top >= box.top && b.bottom <= box.bottom };
    });
  },
  /** The log reads this page sent (their queries), in order, from the performance timeline. */
  reads: () =>
    performance
      .getEntriesByType('resource')
      .map((e) => e.name)
      .filter((n) => /\/logs\?/.test(n))
      .map((n) => new URL(n).search),
  selection: () => el.selection ?? null,
  notice: () => el.shadowRoot?.querySelector('[part~=notice]')?.textContent ?? '',
  /** Clicks line `n`'s number (it must be drawn): the permalink goes into the page's URL. */
  clickLine: (n: number) => {
    el.shadowRoot!.querySelector<HTMLAnchorElement>(`[data-line="${n}"] [part~=line-number]`)!.click();
    return location.hash;
  },
  scrollToLine: async (n: number) => {
    el.scrollToLine(n);
    await settle();
  },
};
