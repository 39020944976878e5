/**
 * What every embedding test shares: the apps' install and the link to this package, running a
 * framework's own build and type checker, a static server on loopback for the built page, a
 * reference progress server, Debian's Chromium (driven by playwright-core), and the one scenario
 * every page must pass.
 *
 * The apps live in test/embed/apps/ with their own package.json (their TypeScript is not the
 * root's: vue-tsc, svelte-check and Angular's compiler need TypeScript's JavaScript API). They
 * import the package by its name: `linkPackage()` points apps/node_modules/@aintandem/progress-elements
 * at this repository, whose dist/ `npm run build` has made.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative, resolve, sep } from 'node:path';
import { before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createProgressServer, type ProgressEvent, type ProgressServer } from '../../src/server/index.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../scripts/chromium.js';
import { until as poll } from '../shared/until.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const APPS = resolve(import.meta.dirname, 'apps');
export const PAGES = resolve(import.meta.dirname, 'pages');


/** Fails with the command to run when the package's build is missing. */
export function checkBuilt(): void {
  assert.ok(existsSync(join(ROOT, 'dist/index.js')) && existsSync(join(ROOT, 'dist/cdn/progress-elements.js')) && existsSync(join(ROOT, 'dist/types/react.d.ts')), 'dist/ is not built: run `npm run build`');
}

/** Fails with the command to run when the apps' dependencies are missing. */
export function checkApps(): void {
  assert.ok(existsSync(join(APPS, 'node_modules/.bin/vite')), 'the embedding apps are not installed: run `npm ci --prefix test/embed/apps`');
}

/** apps/node_modules/@aintandem/progress-elements -> this repository (what an install of the package gives, built from here). */
export function linkPackage(): void {
  const link = join(APPS, 'node_modules/@aintandem/progress-elements');
  const target = relative(join(APPS, 'node_modules/@aintandem'), ROOT);
  mkdirSync(join(APPS, 'node_modules/@aintandem'), { recursive: true });
  if (existsSync(link) || isLink(link)) {
    if (isLink(link) && readlinkSync(link) === target) return;
    rmSync(link, { recursive: true, force: true });
  }
  symlinkSync(target, link, 'dir');
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Runs one of the apps' own tools (from apps/node_modules/.bin) in `cwd`; fails with its output. */
export function tool(name: string, args: string[], cwd: string, timeout = 240_000): Promise<string> {
  const bin = join(APPS, 'node_modules/.bin', name);
  return new Promise((resolvePromise, reject) => {
    execFile(
      bin,
      args,
      { cwd, timeout, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, NG_CLI_ANALYTICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${name} ${args.join(' ')} failed in ${relative(ROOT, cwd)}:\n${stdout}\n${stderr}`, { cause: error }));
        else resolvePromise(`${stdout}${stderr}`);
      },
    );
  });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export interface StaticServer {
  url: string;
  /** Paths of every request, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves folders on 127.0.0.1: `{ '/': dir, '/dist/': other }`; a folder's index.html for `/`. */
export async function serveStatic(mounts: Record<string, string>): Promise<StaticServer> {
  const entries = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const mount = entries.find(([prefix]) => path.startsWith(prefix));
    let file = mount ? resolve(mount[1], `.${sep}${path.slice(mount[0].length)}`) : undefined;
    if (file && mount && !file.startsWith(resolve(mount[1]))) file = undefined;
    if (file && existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file || !existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_FLAGS] });
}

/** A reference progress server on loopback; `template` is the per-project socket URL the pages configure. */
export async function startProgressServer(): Promise<{ server: ProgressServer; template: string }> {
  const server = await createProgressServer({ port: 0, host: '127.0.0.1' });
  return { server, template: `${server.url}/api/progress/subscribe/{projectId}` };
}

/** Errors a page reported (uncaught exceptions and console.error), collected for the final check. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console.error: ${message.text()}`);
  });
  return errors;
}

const now = (): string => new Date().toISOString();

/** Polls with the tests' one helper, with this file's bounds. */
const until = (check: () => boolean | Promise<boolean>, what: string, timeout = 10000): Promise<void> => poll(check, what, timeout, 25);

/** The page's ProgressClient, as each app exposes it on `window.progressClient`. */
interface PageClient {
  getSubscriptionCount(): number;
  getConnectionState(projectId?: string): string;
}

/**
 * The scenario every embedding page passes. The page (see test/embed/apps/README.md for the
 * contract) configures the client from `?ws=`, shows <task-progress project-id="p1" task-id="t1">
 * with a `state` property of 25 %, <workflow-tracker project-id="p1" workflow-id="wf1"> and
 * <container-status> with only a `state` property (running, image `node:20`); it writes the
 * completed events it hears into #log, and #toggle removes (and brings back) the three elements.
 */
export async function runScenario(page: Page, pageUrl: string, progress: { server: ProgressServer; template: string }): Promise<void> {
  const errors = collectPageErrors(page);
  try {
    await scenario(page, pageUrl, progress);
  } catch (error) {
    if (error instanceof Error && errors.length > 0) error.message += `\n(errors on the page: ${errors.join('; ')})`;
    throw error;
  }
  assert.deepEqual(errors, [], 'no errors on the page');
}

async function scenario(page: Page, pageUrl: string, progress: { server: ProgressServer; template: string }): Promise<void> {
  const { server, template } = progress;
  await page.goto(`${pageUrl}?ws=${encodeURIComponent(template)}`);

  // Upgraded, with the ids given as attributes and the state given as a property.
  await page.waitForFunction(() => !!customElements.get('task-progress') && !!customElements.get('workflow-tracker') && !!customElements.get('container-status'));
  const task = page.locator('task-progress');
  await task.waitFor();
  assert.equal(await task.getAttribute('task-id'), 't1', 'task-id is an attribute');
  assert.equal(await task.getAttribute('project-id'), 'p1', 'project-id is an attribute');
  assert.equal(await page.locator('workflow-tracker').getAttribute('workflow-id'), 'wf1', 'workflow-id is an attribute');
  const given = await task.evaluate((el) => {
    const e = el as HTMLElementTagNameMap['task-progress'];
    return { taskId: e.taskId, stateType: typeof e.state, progress: e.state?.progress, attribute: e.getAttribute('state') };
  });
  assert.deepEqual(given, { taskId: 't1', stateType: 'object', progress: 25, attribute: null }, 'state is set as a property, not an attribute');
  const bar = task.locator('[role="progressbar"]');
  await until(async () => (await bar.getAttribute('aria-valuenow')) === '25', 'the given state rendered (25 %)');
  assert.equal(await bar.getAttribute('aria-label'), 'Build', 'the label attribute names the bar');
  const container = page.locator('container-status');
  await until(async () => (await container.locator('[part="status"]').textContent())?.trim() === 'Running', 'the container state given as a property rendered');
  // The image names the container.
  assert.match((await container.locator('[part="label"]').textContent()) ?? '', /node:20/);

  // Following: one subscription per element with ids, over one socket for project p1.
  const client = () => page.evaluate(() => {
    const c = (window as unknown as { progressClient?: PageClient }).progressClient;
    return c ? { subscriptions: c.getSubscriptionCount(), connection: c.getConnectionState('p1') } : undefined;
  });
  await until(async () => (await client())?.subscriptions === 2, 'two subscriptions (task and workflow)');
  await until(async () => (await client())?.connection === 'connected' && server.clientCount === 1, 'the socket for p1');

  // Live updates render, and the completed events reach the app's own listeners.
  server.publish({ type: 'task_started', projectId: 'p1', taskId: 't1', timestamp: now() });
  server.publish({ type: 'step_progress', projectId: 'p1', taskId: 't1', stepId: 's1', step: 'Compile', status: 'running', progress: 60, timestamp: now() });
  await until(async () => (await bar.getAttribute('aria-valuenow')) === '60', 'a live update (60 %)');
  server.publish({ type: 'task_completed', projectId: 'p1', taskId: 't1', duration: 1200, timestamp: now() });
  await until(async () => (await task.locator('[part="status"]').textContent())?.trim() === 'Completed', 'the task completed');
  assert.equal(await bar.getAttribute('aria-valuenow'), '100');
  await until(async () => ((await page.locator('#log').textContent()) ?? '').includes('task-complete:completed'), 'the app heard task-complete');

  const workflow = (type: ProgressEvent['type'], extra: Record<string, unknown> = {}) =>
    server.publish({ type, projectId: 'p1', workflowId: 'wf1', executionId: 'e1', totalPhases: 1, timestamp: now(), ...extra } as ProgressEvent);
  workflow('workflow_execution_started');
  workflow('workflow_phase_started', { phaseId: 'ph1', phase: 'Deploy' });
  workflow('workflow_phase_completed', { phaseId: 'ph1', phase: 'Deploy' });
  workflow('workflow_execution_completed', { duration: 900 });
  await until(async () => ((await page.locator('#log').textContent()) ?? '').includes('workflow-complete:completed'), 'the app heard workflow-complete');
  assert.equal((await page.locator('workflow-tracker [part="status"]').textContent())?.trim(), 'Completed');

  // A condition change removes the elements: their subscriptions end, and the socket goes.
  await page.locator('#toggle').click();
  await until(async () => (await page.locator('task-progress, workflow-tracker, container-status').count()) === 0, 'the elements removed');
  await until(async () => (await client())?.subscriptions === 0, 'the subscription count back to 0');
  await until(() => server.clientCount === 0, 'the socket closed after the last subscription', 15_000);

  // Back again: they follow again, and show what the client already knows.
  await page.locator('#toggle').click();
  await until(async () => (await client())?.subscriptions === 2, 'two subscriptions again');
  await until(async () => (await page.locator('task-progress [part="status"]').textContent())?.trim() === 'Completed', 'the known state shown again');
}

export interface AppSpec {
  /** The framework, as the test names it. */
  name: string;
  /** The app's folder under test/embed/apps. */
  app: string;
  /** Type checks to run first: [tool, args]. */
  checks: [string, string[]][];
  /** The framework's build: [tool, args]. */
  build: [string, string[]];
  /** The built page's folder, under the app's folder. */
  out: string;
}

/** One app: its type checks, its build, then the scenario on the built page in Chromium. */
export function embeddingSuite(spec: AppSpec): void {
  const dir = join(APPS, spec.app);
  describe(spec.name, () => {
    before(() => {
      checkBuilt();
      checkApps();
      linkPackage();
    });
    for (const [bin, args] of spec.checks) {
      it(`type-checks with ${bin}`, { timeout: 240_000 }, async () => {
        await tool(bin, args, dir);
      });
    }
    it(`builds with ${spec.build[0]} ${spec.build[1].join(' ')}`, { timeout: 300_000 }, async () => {
      rmSync(join(dir, spec.out), { recursive: true, force: true });
      await tool(spec.build[0], spec.build[1], dir);
      assert.ok(existsSync(join(dir, spec.out, 'index.html')), `${spec.out}/index.html built`);
    });
    it('runs in Chromium: attributes, a state property, live updates, completed events, removal', { timeout: 120_000 }, async (t) => {
      const site = await serveStatic({ '/': join(dir, spec.out) });
      t.after(() => site.close());
      const progress = await startProgressServer();
      t.after(() => progress.server.close());
      const browser = await launchChromium();
      t.after(() => browser.close());
      await runScenario(await browser.newPage(), `${site.url}/`, progress);
    });
  });
}
