/**
 * What the Chromium tests of `<task-log>` share: the page (./task-log-page.ts) served and opened
 * in tabs of one Chromium, a task that prints numbered lines steadily in chunks that cut lines
 * anywhere, waiting on conditions, and the check of what a reader sees.
 */
import assert from 'node:assert/strict';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import type { Page } from '../../../scripts/devtools-browser.js';
import { startPageServer, type PageServer } from '../../../scripts/page-server.js';
import type { SeenRow } from './task-log-page.js';
import { until as poll } from '../../shared/until.js';

export type { SeenRow } from './task-log-page.js';

/** Waits on a condition with the tests' one polling helper, with the bounds of a loaded machine. */
export const until = (check: () => Promise<boolean> | boolean, what: string, timeout = 30000): Promise<void> => poll(check, what, timeout, 50);

export function servePage(): Promise<PageServer> {
  return startPageServer(new URL('./', import.meta.url), ['task-log-page']);
}

export function pageUrl(pages: PageServer, query: { api: string; project: string; task: string; share?: boolean; persist?: boolean }, hash = ''): string {
  const params = new URLSearchParams({ api: query.api, project: query.project, task: query.task });
  if (query.share) params.set('share', '1');
  if (query.persist) params.set('persist', '1');
  return `${pages.pageUrl('task-log-page')}?${params}${hash}`;
}

/** Waits for the page's `bench` (after a navigation or a reload: the page marked first, so that the old one is not taken for the new one). */
export async function pageReady(page: Page): Promise<void> {
  await until(() => page.evaluate<boolean>('typeof window.bench === "object" && !window.leaving').catch(() => false), 'the page');
}

export async function reload(page: Page): Promise<void> {
  await page.evaluate('window.leaving = true');
  await page.send('Page.reload', { ignoreCache: true });
  await pageReady(page);
}

export const lineText = (n: number) => `line ${n} ${'·'.repeat(n % 7)}end`;

/**
 * A task that prints `line {n} …end` lines, in chunks cut at varying places (a chunk may end in
 * the middle of a line, which the next one continues), published in order through `publish`
 * (which may go to a different server each time).
 */
export class LineTask {
  /** Lines published complete (the last one's number). */
  lines = 0;
  /** Text made and not yet published (the end of an open line). */
  #text = '';
  /** Lines made. */
  #made = 0;
  #cut = 0;
  #index = 0;
  #running: Promise<void> | undefined;
  #on = false;
  constructor(
    readonly projectId: string,
    readonly taskId: string,
    private readonly publish: (event: ProgressEvent, index: number) => Promise<unknown>,
  ) {}

  /** Publishes the next `n` lines in chunks, in order; the end of the last one may stay back (an open line) until the next print or `flush`. */
  async print(n: number): Promise<void> {
    let text = this.#text;
    for (let i = 1; i <= n; i++) text += `${lineText(this.#made + i)}\n`;
    this.#made += n;
    // Chunks of 5 to 60 characters (deterministically); 0 to 3 characters held back.
    this.#cut = (this.#cut * 31 + 17) % 56;
    const keep = this.#cut % 4;
    await this.#send(text.slice(0, text.length - keep));
    this.#text = text.slice(text.length - keep);
  }

  /** Publishes what was held back: every line made is complete. */
  async flush(): Promise<void> {
    const text = this.#text;
    this.#text = '';
    await this.#send(text);
  }

  async #send(all: string): Promise<void> {
    let at = 0;
    while (at < all.length) {
      this.#cut = (this.#cut * 31 + 17) % 56;
      const end = Math.min(all.length, at + 5 + this.#cut);
      const chunk = all.slice(at, end);
      await this.publish(this.#event(chunk), this.#index++);
      this.lines += chunk.split('\n').length - 1;
      at = end;
    }
  }

  /** Prints `perTick` lines every `every` ms until `stop()`. */
  start(every = 40, perTick = 2): void {
    if (this.#on) return;
    this.#on = true;
    this.#running = (async () => {
      while (this.#on) {
        await this.print(perTick);
        await new Promise((r) => setTimeout(r, every));
      }
    })();
  }

  /** Stops printing; every line made is then complete. */
  async stop(): Promise<void> {
    this.#on = false;
    await this.#running;
    await this.flush();
  }

  #event(output: string): ProgressEvent {
    return { type: 'output', projectId: this.projectId, taskId: this.taskId, timestamp: new Date().toISOString(), output } as ProgressEvent;
  }
}

/** Every row of the log, as a reader scrolling it from the top sees it (the tab brought to the front, as a reader's is). */
export async function readAll(page: Page): Promise<SeenRow[]> {
  await page.send('Page.bringToFront');
  return page.evaluate<SeenRow[]>('window.bench.readAll()');
}
export const lastInView = (page: Page) => page.evaluate<number>('window.bench.lastInView()');

/**
 * Reads the whole log as a reader would until it has no line still loading and begins at its top
 * (line 1, or a marker of lines before it). Earlier lines that arrive while the reader is at the
 * top go in above the line in view, which stays where it is: a read that began there goes on
 * below them, so it is read again.
 */
export async function readWhole(page: Page, what: string): Promise<SeenRow[]> {
  let rows: SeenRow[] = [];
  try {
    await until(
      async () => {
        rows = await readAll(page);
        const first = rows[0];
        const fromTop = first !== undefined && ('n' in first ? first.n === 1 : first.reason !== 'pending');
        return fromTop && !rows.some((r) => 'gap' in r && r.reason === 'pending');
      },
      `${what}: every line loaded`,
    );
  } catch (error) {
    const gaps = rows.filter((r) => 'gap' in r).map((r) => JSON.stringify(r));
    throw new Error(`${(error as Error).message} (${rows.length} rows; markers: ${gaps.join(', ')})`);
  }
  return rows;
}

/** Every line 1..total once, in order, with its own text, and nothing else (no marker of lines missing or not shown). */
export function assertWholeLog(rows: SeenRow[], total: number, who: string): void {
  const gaps = rows.filter((r): r is Extract<SeenRow, { gap: string }> => 'gap' in r);
  assert.deepEqual(gaps, [], `${who}: no marker of lines not shown`);
  const lines = rows.filter((r): r is Extract<SeenRow, { n: number }> => 'n' in r);
  const numbers = lines.map((l) => l.n);
  const twice = numbers.filter((n, i) => numbers.indexOf(n) !== i);
  assert.deepEqual(twice, [], `${who}: no line twice`);
  const wrong = lines.filter((l) => l.text !== lineText(l.n)).slice(0, 5);
  assert.deepEqual(wrong, [], `${who}: each line under its own number`);
  const expected = Array.from({ length: total }, (_, i) => i + 1);
  const missing = expected.filter((n) => !numbers.includes(n));
  assert.deepEqual(missing.slice(0, 20), [], `${who}: ${missing.length} lines missing`);
  assert.deepEqual(numbers, expected, `${who}: lines 1–${total} in order`);
}
