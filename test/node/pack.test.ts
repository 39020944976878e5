/**
 * The packed package installs into an empty project and works there: from Node, `/client` (no
 * DOM, no Lit) against `/server` over a real socket, and the `progress-server` command; from
 * TypeScript, its declarations; and in a browser, a page built with Vite from the installed
 * package, in Chromium.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { launchChromium, serveStatic } from '../embed/harness.js';

const root = resolve(import.meta.dirname, '../..');

describe('npm pack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'progress-pack-'));
  const app = join(dir, 'app');
  let tarball = '';
  after(() => rmSync(dir, { recursive: true, force: true }));

  before(() => {
    execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) ?? '';
    assert.ok(tarball, 'a tarball');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball)], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  }, { timeout: 180_000 });

  it('holds the builds, the declarations, the manifest and the editor data, and no sources', () => {
    const files = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    for (const file of [
      'package.json',
      'README.md',
      'custom-elements.json',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/elements/index.js',
      'dist/elements/define/task-progress.js',
      'dist/elements/define/task-progress.d.ts',
      'dist/client/index.js',
      'dist/server/index.js',
      'dist/server/cli/main.js',
      'dist/cdn/progress-elements.js',
      'dist/cdn/progress-elements.iife.js',
      'dist/types/react.d.ts',
      'dist/types/vue.d.ts',
      'dist/types/svelte.d.ts',
      'dist/vscode.html-custom-data.json',
      'dist/vscode.css-custom-data.json',
    ]) {
      assert.ok(files.includes(file), `${file} is in the package`);
    }
    assert.deepEqual(files.filter((f) => /^(src|test|scripts|demo)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')), [], 'no sources or tests');
  });

  it('installs into an empty project where /client and /server work from Node', { timeout: 180_000 }, () => {
    writeFileSync(
      join(app, 'check.mjs'),
      `
import { WebSocketManager, ProgressClient, AInTandemClient, isTaskEvent } from '@aintandem/progress-elements/client';
import { createProgressServer } from '@aintandem/progress-elements/server';
import WebSocket from 'ws';
if (typeof globalThis.document !== 'undefined') throw new Error('a DOM appeared');
const server = await createProgressServer();
const client = new AInTandemClient({ baseURL: server.url.replace('ws:', 'http:') + '/api', WebSocket });
const seen = [];
await client.subscribeToTask('p', 't', (e) => seen.push(isTaskEvent(e) && e.type));
server.publish({ type: 'step_progress', projectId: 'p', taskId: 't', status: 'running', progress: 5, timestamp: new Date().toISOString() });
while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
client.close();
await server.close();
console.log(JSON.stringify({ seen, classes: [typeof WebSocketManager, typeof ProgressClient] }));
`,
    );
    const out = execFileSync('node', ['check.mjs'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual(JSON.parse(out.trim()), { seen: ['step_progress'], classes: ['function', 'function'] });
  });

  it('installs the progress-server command, which runs from Node: --help, a start and a stop, and a clear message without jose', { timeout: 60_000 }, async () => {
    const bin = join(app, 'node_modules/.bin/progress-server');
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'it starts with its #! line');
    assert.match(execFileSync(bin, ['--help'], { cwd: app, encoding: 'utf8', timeout: 30_000 }), /--jwt-secret <secret> {2}\(PROGRESS_JWT_SECRET\)/);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PROGRESS_')));
    // jose is an optional peer dependency, not installed here: JWTs cannot be checked, and it says so.
    const noJose = spawnSync(bin, ['--port', '0'], { cwd: app, encoding: 'utf8', timeout: 30_000, env: { ...env, PROGRESS_JWT_SECRET: 'x'.repeat(32) } });
    assert.equal(noJose.status, 1);
    assert.match(noJose.stdout, /"level":"error","msg":"cannot start","error":"JWT authentication needs the jose package \(6.x\): npm install jose"/);
    const child = spawn(bin, ['--no-auth', '--port', '0'], { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      for (let i = 0; !out.includes('progress server listening'); i++) {
        assert.ok(i < 400 && child.exitCode === null, `it started: ${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      child.kill('SIGTERM');
      assert.equal(await closed, 0, 'SIGTERM ends it with 0');
    } finally {
      child.kill('SIGKILL');
    }
    assert.match(out, /"msg":"stopped"/);
  });

  it('type-checks a TypeScript consumer of the installed declarations', { timeout: 120_000 }, () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `
import { configureProgress, type TaskState } from '@aintandem/progress-elements';
import { ProgressClient } from '@aintandem/progress-elements/client';
import { TaskProgressElement } from '@aintandem/progress-elements/task-progress.js';
import type { ProgressElements } from '@aintandem/progress-elements/types/elements';

export const client: ProgressClient = configureProgress({ url: 'ws://127.0.0.1:9/ws' });
const element: TaskProgressElement = document.createElement('task-progress');
element.taskId = 't1';
element.addEventListener('task-complete', (e) => console.log(e.detail.state.status satisfies TaskState['status']));
export const attributes: ProgressElements['task-progress']['attributes'] = { 'task-id': 't1', layout: 'compact', 'output-lines': '5' };
// @ts-expect-error the detail of task-fail has no exitCode
element.addEventListener('task-fail', (e) => e.detail.exitCode);
`,
    );
    const tsc = join(root, 'node_modules/.bin/tsc');
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom,dom.iterable', '--types', '', 'consumer.ts'];
    try {
      execFileSync(tsc, args, { cwd: app, encoding: 'utf8', timeout: 60_000 });
    } catch (error) {
      assert.fail(`tsc found errors in a consumer of the package:\n${(error as { stdout?: string }).stdout ?? error}`);
    }
  });

  it('works in a browser page built with Vite from the installed package', { timeout: 120_000 }, async (t) => {
    const page = join(app, 'page');
    mkdirSync(page, { recursive: true });
    writeFileSync(
      join(page, 'index.html'),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>packed</title></head><body>
<task-progress project-id="p1" task-id="t1" label="Build"></task-progress>
<script type="module" src="./main.js"></script></body></html>`,
    );
    writeFileSync(
      join(page, 'main.js'),
      `import '@aintandem/progress-elements/task-progress.js';
import { configureProgress } from '@aintandem/progress-elements/elements';
window.progressClient = configureProgress({ url: new URLSearchParams(location.search).get('ws') });
`,
    );
    const { build } = await import('vite');
    await build({ root: page, configFile: false, logLevel: 'silent', build: { outDir: join(page, 'dist') } });

    // The reference server from the installed package.
    const serverModule = join(app, 'node_modules/@aintandem/progress-elements/dist/server/index.js');
    const { createProgressServer } = (await import(pathToFileURL(serverModule).href)) as typeof import('../../src/server/index.js');
    const server = await createProgressServer({ port: 0, host: '127.0.0.1' });
    t.after(() => server.close());
    const site = await serveStatic({ '/': join(page, 'dist') });
    t.after(() => site.close());
    const browser = await launchChromium();
    t.after(() => browser.close());

    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`${site.url}/?ws=${encodeURIComponent(`${server.url}/api/progress/subscribe/{projectId}`)}`);
    const ready = () => tab.evaluate(() => {
      const c = (window as unknown as { progressClient: { getSubscriptionCount(): number; getConnectionState(p: string): string } }).progressClient;
      return c.getSubscriptionCount() === 1 && c.getConnectionState('p1') === 'connected';
    });
    for (let i = 0; !(await ready()) || server.clientCount !== 1; i++) {
      assert.ok(i < 400, 'the element subscribed over a socket');
      await new Promise((r) => setTimeout(r, 25));
    }
    const now = new Date().toISOString();
    server.publish({ type: 'step_progress', projectId: 'p1', taskId: 't1', stepId: 's1', step: 'Compile', status: 'running', progress: 40, timestamp: now });
    server.publish({ type: 'task_completed', projectId: 'p1', taskId: 't1', timestamp: now });
    const status = tab.locator('task-progress [part="status"]');
    await tab.waitForFunction(() => document.querySelector('task-progress')?.shadowRoot?.querySelector('[part="status"]')?.textContent?.trim() === 'Completed');
    assert.equal((await status.textContent())?.trim(), 'Completed');
    assert.equal(await tab.locator('task-progress [role="progressbar"]').getAttribute('aria-valuenow'), '100');
    assert.deepEqual(await tab.evaluate(() => (globalThis as { litHtmlVersions?: string[] }).litHtmlVersions?.length), 1, 'one copy of Lit');
    await tab.evaluate(() => document.querySelector('task-progress')?.remove());
    await tab.waitForFunction(() => (window as unknown as { progressClient: { getSubscriptionCount(): number } }).progressClient.getSubscriptionCount() === 0);
    assert.deepEqual(errors, []);
  });
});
