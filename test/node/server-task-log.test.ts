/**
 * A reference server with an output store: live output frames carry their line fields, and the
 * server answers a task's log (JSON and plain text) with the grants of its other reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { createProgressServer, ProgressJournal, type ProgressEvent, type ProgressLog } from '../../src/server/index.js';
import { MemoryOutputStore } from '../../src/server/memory-output-store.js';
import { waitFor } from './helpers/fixtures.js';

const now = () => new Date().toISOString();
/** A log that is not the server's own journal (as a Redis log is not), kept in memory here. */
const journalLike = (j: ProgressJournal): ProgressLog => ({
  get epoch() {
    return j.epoch;
  },
  get position() {
    return j.position;
  },
  get states() {
    return j.states;
  },
  append: (event, text) => j.append(event, text),
  read: (request) => j.read(request),
  latest: (projects, through) => j.latest(projects, through),
  tail: (listener) => j.tail(listener),
});
const output = (projectId: string, text: string): ProgressEvent => ({ type: 'output', projectId, taskId: 't', timestamp: now(), output: text }) as ProgressEvent;

test('live output frames carry line and continues; GET …/logs and …/logs.txt answer from the store with the same grants as the other reads', async (t) => {
  const server = await createProgressServer({
    heartbeatInterval: 0,
    output: new MemoryOutputStore(),
    authenticate: (token) => (token === 'all' ? true : token === 'p1' ? { projects: ['p1'] } : false),
  });
  t.after(() => server.close());
  const frames: { line?: number; continues?: boolean; output?: string }[] = [];
  const ws = new WebSocket(`${server.urlFor('p1')}?token=all`);
  t.after(() => ws.close());
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve) => ws.once('open', resolve));
  await waitFor(() => server.clientCount === 1, 'the socket to be a client');

  await server.publish(output('p1', 'first\nsec'));
  await server.publish(output('p1', 'ond\nthird'));
  await server.publish(output('p2', 'other project\n'));
  await server.publish({ type: 'task_completed', projectId: 'p1', taskId: 't', timestamp: now() } as ProgressEvent);
  await waitFor(() => frames.length === 3, 'the three frames of p1');
  assert.deepEqual(frames.slice(0, 2).map((f) => [f.line, f.continues]), [[1, undefined], [2, true]]);

  const base = `http://127.0.0.1:${server.port}/api/projects`;
  const read = await fetch(`${base}/p1/tasks/t/logs`, { headers: { authorization: 'Bearer p1' } });
  assert.equal(read.status, 200);
  const body = await read.json();
  assert.deepEqual(body.lines.map((l: { n: number; text: string }) => `${l.n}:${l.text}`), ['1:first', '2:second', '3:third']);
  assert.deepEqual([body.total, body.open, body.complete], [3, false, true]);
  assert.equal(await (await fetch(`${base}/p1/tasks/t/logs.txt?token=p1`)).text(), 'first\nsecond\nthird\n');
  assert.equal((await fetch(`${base}/p2/tasks/t/logs?token=p1`)).status, 403);
  assert.equal((await fetch(`${base}/p1/tasks/t/logs?token=bad`)).status, 401);
  assert.equal((await fetch(`${base}/p1/tasks/t`, { headers: { authorization: 'Bearer p1' } })).status, 200, 'the task read is still the REST read');

  // Without an output store (`output: false`): no line fields, and no log paths.
  const plain = await createProgressServer({ heartbeatInterval: 0, output: false });
  t.after(() => plain.close());
  const seq = await plain.publish(output('p1', 'x\n'));
  assert.equal(seq, 1);
  assert.equal((await fetch(`http://127.0.0.1:${plain.port}/api/projects/p1/tasks/t/logs`)).status, 404);
});

test('a server with its log in memory numbers output lines by default; one on a shared log only with the store it is given', async (t) => {
  const embedded = await createProgressServer({ heartbeatInterval: 0 });
  t.after(() => embedded.close());
  await embedded.publish(output('p1', 'one\ntwo\n'));
  const read = await fetch(`http://127.0.0.1:${embedded.port}/api/projects/p1/tasks/t/logs`);
  assert.equal(read.status, 200);
  assert.deepEqual(((await read.json()) as { total: number }).total, 2);

  // Any other log may be shared by several servers, whose numbers must agree: no store of its own.
  const journal = new ProgressJournal();
  const shared = await createProgressServer({ heartbeatInterval: 0, log: journalLike(journal) });
  t.after(() => shared.close());
  assert.equal((await fetch(`http://127.0.0.1:${shared.port}/api/projects/p1/tasks/t/logs`)).status, 404);
});
