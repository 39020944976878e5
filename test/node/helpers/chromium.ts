/**
 * Debian's headless Chromium, driven over the DevTools protocol with a plain `ws` client: open a
 * page, evaluate expressions in it, take a screenshot.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';

import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../../scripts/chromium.js';

export const hasChromium = (): boolean => existsSync(CHROMIUM_PATH);

const ARGS = [...CHROMIUM_FLAGS, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0'];

/** A line of the browser's own log (DevTools' Log domain): failed requests, violations, warnings. */
export interface BrowserLogEntry {
  /** `network`, `javascript`, `violation`, … */
  source: string;
  level: 'verbose' | 'info' | 'warning' | 'error';
  text: string;
  /** The resource it is about, when it is about one. */
  url?: string;
}

export interface Page {
  /** What the browser logged since the page was opened (a failed request logs `Failed to load resource: …`). */
  readonly log: readonly BrowserLogEntry[];
  /** Evaluates an expression (awaiting a promise it returns) and returns its JSON value. */
  evaluate<T = unknown>(expression: string): Promise<T>;
  /** Resolves once `expression` is truthy (one that throws counts as false), polling; rejects with `what` after `timeoutMs`. */
  waitFor(expression: string, what: string, timeoutMs?: number): Promise<void>;
  screenshot(path: string): Promise<void>;
  close(): Promise<void>;
}

interface Pending {
  resolve: (result: any) => void;
  reject: (error: Error) => void;
}

/** The DevTools endpoint Chromium prints on stderr once it listens. */
function devToolsUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        child.stderr!.off('data', onData);
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    const timer = setTimeout(() => reject(new Error(`Chromium did not start:\n${text}`)), 20000);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${code}:\n${text}`));
    });
  });
}

export async function openPage(url: string, size = { width: 1280, height: 900 }): Promise<Page> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-'));
  const child = spawn(CHROMIUM_PATH, [...ARGS, `--user-data-dir=${profile}`, `--window-size=${size.width},${size.height}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const cleanUp = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Its child processes may still be writing to the profile for a moment.
    await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };

  try {
    const browserUrl = await devToolsUrl(child);
    child.stderr!.resume(); // keep draining its log
    const { port } = new URL(browserUrl);
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    const target = targets.find((t) => t.type === 'page');
    if (!target) throw new Error('Chromium has no page');

    const ws = new WebSocket(target.webSocketDebuggerUrl, { perMessageDeflate: false });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    let nextId = 1;
    const pending = new Map<number, Pending>();
    const log: BrowserLogEntry[] = [];
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; method?: string; params?: any; result?: unknown; error?: { message: string } };
      if (message.method === 'Log.entryAdded') {
        const { source, level, text, url } = message.params.entry as BrowserLogEntry;
        log.push(url === undefined ? { source, level, text } : { source, level, text, url });
      }
      const waiter = message.id === undefined ? undefined : pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    });
    const send = (method: string, params: object = {}): Promise<any> =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });

    const evaluate = async <T>(expression: string): Promise<T> => {
      const { result, exceptionDetails } = await send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
      if (exceptionDetails) throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
      return result.value as T;
    };

    await send('Emulation.setDeviceMetricsOverride', { ...size, deviceScaleFactor: 1, mobile: false });
    await send('Page.enable');
    await send('Log.enable');
    const loaded = new Promise<void>((resolve) => {
      ws.on('message', (data) => {
        if ((JSON.parse(data.toString()) as { method?: string }).method === 'Page.loadEventFired') resolve();
      });
    });
    await send('Page.navigate', { url });
    await loaded;

    return {
      log,
      evaluate,
      async waitFor(expression, what, timeoutMs = 15000) {
        const end = Date.now() + timeoutMs;
        const check = `(() => { try { return Boolean(${expression}); } catch { return false; } })()`;
        // A page that is (re)loading has no context to evaluate in for a moment.
        while (!(await evaluate<boolean>(check).catch(() => false))) {
          if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      },
      async screenshot(path) {
        const { data } = await send('Page.captureScreenshot', { format: 'png' });
        await writeFile(path, Buffer.from(data as string, 'base64'));
      },
      async close() {
        ws.terminate();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
