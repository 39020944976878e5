/**
 * Debian's Chromium, headless, driven over the Chrome DevTools protocol with `ws`: launch, open
 * pages (tabs of one browser), evaluate in them, collect garbage and read their heap. Used by the
 * benchmarks and by the tests that need several tabs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './chromium.js';

interface Pending {
  resolve: (value: any) => void;
  reject: (error: Error) => void;
  method: string;
}

type EventHandler = (params: any, sessionId: string | undefined) => void;

class CdpConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Set<EventHandler>>();

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.receive(String(data)));
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`DevTools connection closed during ${p.method}`));
      this.pending.clear();
    });
  }

  send<T = any>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.ws.send(JSON.stringify(sessionId ? { id, method, params, sessionId } : { id, method, params }));
    });
  }

  on(event: string, handler: EventHandler): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  close(): void {
    this.ws.close();
  }

  private receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown; sessionId?: string };
    if (message.id !== undefined) {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`));
      else p.resolve(message.result);
      return;
    }
    if (message.method) for (const handler of this.handlers.get(message.method) ?? []) handler(message.params, message.sessionId);
  }
}

const MAIN_THREAD_METRICS = ['TaskDuration', 'ScriptDuration', 'RecalcStyleDuration', 'LayoutDuration'];

export class Page {
  constructor(
    private readonly cdp: CdpConnection,
    readonly targetId: string,
    private readonly sessionId: string,
  ) {}

  send<T = any>(method: string, params: object = {}): Promise<T> {
    return this.cdp.send<T>(method, params, this.sessionId);
  }

  /** Navigates and waits for the load event and for `window.bench` (set by the page's module). */
  async goto(url: string, timeout = 20000): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const off = this.cdp.on('Page.loadEventFired', (_params, sessionId) => {
        if (sessionId !== this.sessionId) return;
        off();
        resolve();
      });
    });
    await this.send('Page.navigate', { url });
    await loaded;
    const end = Date.now() + timeout;
    while (!(await this.evaluate<boolean>('typeof window.bench === "object"'))) {
      if (Date.now() > end) throw new Error(`page ${url} did not set window.bench`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Evaluates an expression in the page, awaiting a promise, and returns its JSON value. */
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.send<{ result: { value?: T }; exceptionDetails?: { text: string; exception?: { description?: string } } }>('Runtime.evaluate', {
      expression,
      awaitPromise: true,
      returnByValue: true,
    });
    if (result.exceptionDetails) {
      const d = result.exceptionDetails;
      throw new Error(`in page: ${d.exception?.description ?? d.text}`);
    }
    return result.result.value as T;
  }

  /** Calls `window.bench[name](...args)` in the page and returns its (awaited) JSON value. */
  call<T>(name: string, ...args: unknown[]): Promise<T> {
    return this.evaluate<T>(`window.bench[${JSON.stringify(name)}](...${JSON.stringify(args)})`);
  }

  /**
   * Main-thread time so far (s), by kind: all tasks, script, style, layout (the DevTools
   * Performance domain; `Performance.enable` first). The difference of two readings is the time
   * spent in between.
   */
  async mainThreadTimes(): Promise<Record<string, number>> {
    const { metrics } = await this.send<{ metrics: { name: string; value: number }[] }>('Performance.getMetrics');
    return Object.fromEntries(metrics.filter((m) => MAIN_THREAD_METRICS.includes(m.name)).map((m) => [m.name, m.value]));
  }

  /** Full garbage collection (twice, so that objects freed by finalisers go too), then the JS heap in use. */
  async heapAfterGc(): Promise<number> {
    await this.send('HeapProfiler.collectGarbage');
    await this.send('HeapProfiler.collectGarbage');
    const usage = await this.send<{ usedSize: number; totalSize: number }>('Runtime.getHeapUsage');
    return usage.usedSize;
  }
}

/** Process groups of the browsers launched and not yet closed: ended when this process ends. */
const launched = new Set<number>();
let exitHooked = false;

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group has ended
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const pid of launched) killGroup(pid);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const pid of launched) killGroup(pid);
      process.exit(130);
    });
  }
}

export class Browser {
  private constructor(
    private readonly process: ChildProcess,
    private readonly cdp: CdpConnection,
    private readonly profile: string,
  ) {}

  static async launch(): Promise<Browser> {
    const profile = await mkdtemp(join(tmpdir(), 'progress-bench-chromium-'));
    // Its own process group, so that close() ends the launcher script and every Chromium process under it.
    const child = spawn(CHROMIUM_PATH, [...CHROMIUM_FLAGS, '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) {
      hookExit();
      launched.add(child.pid);
    }
    const endpoint = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${text.slice(-2000)}`)), 30000);
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Chromium exited (${code}):\n${text.slice(-2000)}`));
      });
    });
    // Keep draining stderr (Chromium logs there) so that it never blocks.
    child.stderr!.resume();
    const ws = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const browser = new Browser(child, new CdpConnection(ws), profile);
    browser.cdp.on('Runtime.exceptionThrown', (params) => {
      console.error('  [page] uncaught:', params.exceptionDetails?.exception?.description ?? params.exceptionDetails?.text);
    });
    browser.cdp.on('Runtime.consoleAPICalled', (params) => {
      if (params.type !== 'error' && params.type !== 'warning') return;
      const text = (params.args as { value?: unknown; description?: string }[]).map((a) => a.value ?? a.description).join(' ');
      console.error(`  [page ${params.type}]`, text.slice(0, 500));
    });
    return browser;
  }

  async newPage(): Promise<Page> {
    const { targetId } = await this.cdp.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this.cdp, targetId, sessionId);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    return page;
  }

  async closePage(page: Page): Promise<void> {
    await this.cdp.send('Target.closeTarget', { targetId: page.targetId });
  }

  async close(): Promise<void> {
    try {
      await this.cdp.send('Browser.close');
    } catch {
      // already gone
    }
    this.cdp.close();
    const exited = new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) resolve();
      else this.process.once('exit', () => resolve());
    });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    if (this.process.pid !== undefined) {
      killGroup(this.process.pid);
      launched.delete(this.process.pid);
    }
    await rm(this.profile, { recursive: true, force: true });
  }
}
