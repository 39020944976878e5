import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { parseFrame } from '../../src/client/parse-frame.js';
import { demoUrl, interrupt, runStartScript } from './helpers/start-script.js';

/** Opens a socket and collects its text frames; resolves once open. */
async function listen(url: string, protocol?: string): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(url, protocol);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

async function until(check: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A port nothing listens on (free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('npm start serves the demo, the progress sockets and the control API on one port; Ctrl-C stops it', async (t) => {
  const script = runStartScript(['--port', '0', '--speed', '20', '--seed', '42']);
  t.after(() => interrupt(script));
  const url = await demoUrl(script);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const origin = new URL(url);
  // The lines after the demo URL may arrive in a later chunk of the script's output.
  await until(() => /ws:\/\/127\.0\.0\.1:\d+\/api\/progress\/subscribe\/demo/.test(script.output()), 'the socket URL printed');

  const page = await fetch(url);
  assert.equal(page.status, 200);
  const html = await page.text();
  for (const tag of ['<task-progress', '<workflow-tracker', '<container-status']) assert.ok(html.includes(tag), tag);
  assert.equal((await fetch(new URL('/main.ts', url))).status, 200, 'the page script is served');

  // The simulator's events, on the AInTandem per-project path, all valid for the client.
  const socketUrl = `ws://${origin.host}/api/progress/subscribe/demo`;
  const progress = await listen(socketUrl);
  t.after(() => progress.ws.terminate());
  await until(() => progress.frames.length >= 10, 'simulator events');
  for (const frame of progress.frames) assert.ok(parseFrame(frame).ok, frame);

  // Vite's own socket still works next to them.
  const hmr = await listen(`ws://${origin.host}/`, 'vite-hmr');
  t.after(() => hmr.ws.terminate());
  await until(() => hmr.frames.some((f) => JSON.parse(f).type === 'connected'), 'the HMR greeting');

  // Control API: start a run and see it.
  const started = await fetch(new URL('/api/demo/task', url), { method: 'POST' });
  assert.equal(started.status, 201);
  const { taskId } = (await started.json()) as { taskId: string };
  await until(() => progress.frames.some((f) => JSON.parse(f).taskId === taskId && JSON.parse(f).type === 'task_queued'), 'the new task');

  // The snapshot and REST reads the demo's client loads late-joining views from.
  await until(() => progress.frames.some((f) => JSON.parse(f).taskId === taskId && JSON.parse(f).type === 'task_started'), 'the task started');
  const rest = await fetch(new URL(`/api/projects/demo/tasks/${taskId}`, url), { headers: { accept: 'application/json' } });
  assert.equal(rest.status, 200);
  assert.match(rest.headers.get('content-type') ?? '', /json/);
  assert.equal(((await rest.json()) as { status?: string }).status, 'running');
  const snapshot = await fetch(new URL(`/api/progress/snapshot?kind=task&projectId=demo&taskId=${taskId}`, url));
  assert.equal(((await snapshot.json()) as { taskId?: string }).taskId, taskId);

  const stats = (await (await fetch(new URL('/api/demo/stats', url))).json()) as { sockets: number; activeRuns: number };
  assert.equal(stats.sockets, 1, 'one progress socket open');
  assert.ok(stats.activeRuns >= 1);

  // Cutting the connection closes the socket without a close frame and refuses new ones for a while.
  const dropped = (await (await fetch(new URL('/api/demo/drop?outage=800', url), { method: 'POST' })).json()) as { dropped: number };
  assert.equal(dropped.dropped, 1);
  assert.equal(await progress.closed, 1006);
  await assert.rejects(listen(socketUrl), 'refused during the outage');
  await new Promise((resolve) => setTimeout(resolve, 900));
  const again = await listen(socketUrl);
  t.after(() => again.ws.terminate());
  await until(() => again.frames.length > 0, 'events after the outage');

  assert.equal(await interrupt(script), 0, 'Ctrl-C exits cleanly');
  assert.match(script.output(), /Stopping/);
});

test('a port that is taken: a clear message and exit code 1', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const { port } = blocker.address() as { port: number };

  const script = runStartScript(['--port', String(port)]);
  t.after(() => interrupt(script));
  assert.equal(await script.exited, 1);
  assert.match(script.output(), new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
  assert.match(script.output(), /--port/, 'says how to pick another port');
});

test('the port can come from PORT', async (t) => {
  const port = await freePort();
  const script = runStartScript([], { PORT: String(port) });
  t.after(() => interrupt(script));
  assert.equal(await demoUrl(script), `http://127.0.0.1:${port}/`);
});

test('a bad port is refused before anything starts', async () => {
  const script = runStartScript(['--port', 'eighty']);
  assert.equal(await script.exited, 1);
  assert.match(script.output(), /Invalid port "eighty"/);
});
