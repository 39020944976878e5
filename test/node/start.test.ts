import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { parseFrame } from '../../src/protocol/parse-frame.js';
import { fileURLToPath } from 'node:url';
import { startedProcesses } from './helpers/processes.js';
import { startRedis } from './helpers/redis-server.js';
import { demoUrl, interrupt, runStartScript } from './helpers/start-script.js';
import { upgradeStatus } from './helpers/raw-upgrade.js';
import { until as poll } from '../shared/until.js';

/** A node option under which any import of ioredis fails. */
const WITHOUT_IOREDIS = ['--import', fileURLToPath(new URL('./helpers/no-ioredis.mjs', import.meta.url))];

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

/** Polls with the tests' one helper, with this file's bounds. */
const until = (check: () => boolean | Promise<boolean>, what: string, timeout = 10000): Promise<void> => poll(check, what, timeout, 20);

/** A port nothing listens on (free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('npm start serves the demo, the progress sockets and the control API on one port, with nothing else (ioredis is never loaded); Ctrl-C stops it', async (t) => {
  const script = runStartScript(['--port', '0', '--speed', '20', '--seed', '42'], {}, WITHOUT_IOREDIS);
  t.after(() => interrupt(script));
  const url = await demoUrl(script);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const origin = new URL(url);
  // The lines after the demo URL may arrive in a later chunk of the script's output.
  await until(() => /ws:\/\/127\.0\.0\.1:\d+\/api\/progress\/subscribe\/demo/.test(script.output()), 'the socket URL printed');
  await until(() => /Log:\s+in memory/.test(script.output()), 'the log in memory');

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
  const body = (await rest.json()) as { status?: string; name?: string; steps?: { stepId: string; status: string }[] };
  assert.equal(body.status, 'running');
  // The simulator names its runs and announces their plans: the REST object has both.
  const queued = progress.frames.map((f) => JSON.parse(f)).find((e) => e.taskId === taskId && e.type === 'task_queued');
  assert.equal(body.name, queued.task);
  assert.deepEqual(body.steps!.map((s) => s.stepId), queued.steps.map((s: { stepId: string }) => s.stepId), 'every step of the plan, from the start');
  const snapshot = await fetch(new URL(`/api/progress/snapshot?kind=task&projectId=demo&taskId=${taskId}`, url));
  assert.equal(((await snapshot.json()) as { taskId?: string }).taskId, taskId);

  // The actions the demo's elements send, under the same API base: the simulator carries them out
  // (an execution: it lasts long enough at this speed to be cancelled before it ends).
  const { executionId } = (await (await fetch(new URL('/api/demo/workflow', url), { method: 'POST' })).json()) as { executionId: string };
  const ofExecution = (type: string) => () => progress.frames.some((f) => JSON.parse(f).executionId === executionId && JSON.parse(f).type === type);
  await until(ofExecution('workflow_execution_created'), 'the new execution');
  const cancel = await fetch(new URL(`/api/workflows/executions/${executionId}/cancel`, url), { method: 'POST' });
  assert.equal(cancel.status, 202);
  await until(ofExecution('workflow_execution_failed'), 'the execution cancelled');
  const end = progress.frames.map((f) => JSON.parse(f)).find((e) => e.executionId === executionId && e.type === 'workflow_execution_failed');
  assert.equal(end.status, 'cancelled');
  assert.equal((await fetch(new URL(`/api/workflows/executions/${executionId}/cancel`, url), { method: 'POST' })).status, 409, 'once');

  const stats = (await (await fetch(new URL('/api/demo/stats', url))).json()) as { sockets: number; activeRuns: number };
  assert.equal(stats.sockets, 1, 'one progress socket open');
  assert.ok(stats.activeRuns >= 1);

  // Cutting the connection closes the socket without a close frame and refuses new ones for a while.
  const dropped = (await (await fetch(new URL('/api/demo/drop?outage=800', url), { method: 'POST' })).json()) as { dropped: number };
  assert.equal(dropped.dropped, 1);
  assert.equal(await progress.closed, 1006);
  await assert.rejects(listen(socketUrl), 'refused during the outage');
  let again: Awaited<ReturnType<typeof listen>> | undefined;
  await until(async () => (again = await listen(socketUrl)) !== undefined, 'sockets accepted again after the outage');
  t.after(() => again!.ws.terminate());
  await until(() => again!.frames.length > 0, 'events after the outage');

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

test('npm start -- --redis: two of them on one Redis serve the same events, and each answers for runs the other started', { timeout: 60000 }, async (t) => {
  const redis = await startRedis(t);
  const first = runStartScript(['--port', '0', '--speed', '20', '--seed', '1', '--redis', redis.url]);
  t.after(() => interrupt(first));
  const second = runStartScript(['--port', '0', '--speed', '20', '--seed', '2'], { PROGRESS_REDIS_URL: redis.url });
  t.after(() => interrupt(second));
  const [a, b] = await Promise.all([demoUrl(first), demoUrl(second)]);
  await until(() => /Log:\s+Redis \(epoch \w+\)/.test(first.output()) && /Log:\s+Redis/.test(second.output()), 'both on Redis');
  assert.equal(/Log:\s+Redis \(epoch (\w+)\)/.exec(first.output())![1], /Log:\s+Redis \(epoch (\w+)\)/.exec(second.output())![1], 'one epoch');

  // A socket on the second sees the runs of both simulators, numbered in one sequence.
  const onB = await listen(`ws://${new URL(b).host}/api/progress/subscribe/demo?resume=1`);
  t.after(() => onB.ws.terminate());
  const started = await fetch(new URL('/api/demo/task', a), { method: 'POST' });
  const { taskId } = (await started.json()) as { taskId: string };
  const frames = () => onB.frames.map((f) => JSON.parse(f) as { type: string; taskId?: string; seq?: number });
  await until(() => frames().some((f) => f.taskId === taskId && f.type === 'task_started'), 'the first one\'s run on the second');
  const seqs = frames().slice(1).map((f) => f.seq!);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in the log\'s order');
  const rest = await fetch(new URL(`/api/projects/demo/tasks/${taskId}`, b));
  assert.equal(rest.status, 200, 'the second answers for a run the first started');
  assert.ok(Number(await redis.command('XLEN', 'progress:stream')) > 0);

  assert.equal(await interrupt(first), 0);
  assert.equal(await interrupt(second), 0);
});

test('npm start -- --redis with no Redis there: a clear message and exit code 1', async () => {
  const port = await freePort();
  const script = runStartScript(['--port', '0', '--redis', `redis://127.0.0.1:${port}`]);
  assert.equal(await script.exited, 1);
  assert.match(script.output(), new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
  assert.match(script.output(), /or run without --redis/);
  const bad = runStartScript(['--port', '0', '--redis', 'localhost:6379']);
  assert.equal(await bad.exited, 1);
  assert.match(bad.output(), /Invalid Redis URL/);
});

test('npm start answers an upgrade to a path that is no endpoint (/ws/demo) with 404 at once; the progress sockets and Vite\'s upgrade', async (t) => {
  const script = runStartScript(['--port', '0', '--seed', '7'], {}, WITHOUT_IOREDIS);
  t.after(() => interrupt(script));
  const origin = new URL(await demoUrl(script)).origin;
  for (const path of ['/ws/demo', '/api/ws', '/socket', '/api/progress/subscribe/']) assert.equal(await upgradeStatus(origin + path, 2000), 404, path);
  for (const path of ['/ws', '/api/progress/subscribe/demo']) assert.equal(await upgradeStatus(origin + path, 2000), 101, path);
  assert.equal(await upgradeStatus(`${origin}/`, 2000, { 'sec-websocket-protocol': 'vite-hmr' }), 101, "Vite's HMR socket");
});

test('every redis-server these tests started is stopped', () => {
  assert.deepEqual(startedProcesses().running, []);
});
