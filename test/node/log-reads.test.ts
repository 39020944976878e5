/**
 * The log reads over a real loopback HTTP server with the handler mounted: ranges as JSON, the
 * plain-text download streamed as the client reads it, and the same grants and answers as the
 * server's other reads.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { test, type TestContext } from 'node:test';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { readAnswer } from '../../src/server/access.js';
import { handleLogRead, type LogReadAuthorisation } from '../../src/server/log-reads.js';
import { MemoryOutputStore } from '../../src/server/memory-output-store.js';
import type { OutputStore } from '../../src/server/output-store.js';
import { waitFor } from './helpers/fixtures.js';
import { quietFor } from '../shared/quiet.js';

const output = (projectId: string, taskId: string, text: string): ProgressEvent =>
  ({ type: 'output', projectId, taskId, timestamp: new Date(0).toISOString(), output: text }) as ProgressEvent;

/** Tokens: `all` sees every project, `p1` only p1, `old` has expired; any other is refused. */
const authorise: LogReadAuthorisation = async (token) => {
  const answers: Record<string, unknown> = { all: true, p1: { projects: ['p1'] }, old: { projects: '*', expiresAt: 1 } };
  return readAnswer(token === undefined ? false : answers[token] ?? false, Date.now());
};

async function serve(t: TestContext, store: OutputStore): Promise<string> {
  const server = createServer((request, response) => {
    if (!handleLogRead(request, response, { store, authorise })) {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const get = (url: string, token?: string, init: RequestInit = {}) =>
  fetch(url, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as object) } });

test('JSON reads: the end without from, a range with from and limit, counted from the end; limit capped at 5000', async (t) => {
  const store = new MemoryOutputStore();
  let text = '';
  for (let i = 1; i <= 6000; i++) text += `line ${i}\n`;
  store.numberOutput(output('p1', 't/1', text + 'partial'));
  const base = await serve(t, store);
  const path = `${base}/api/projects/p1/tasks/${encodeURIComponent('t/1')}/logs`;

  let response = await get(path, 'all');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'application/json');
  let body = await response.json();
  assert.deepEqual([body.lines.length, body.lines[0].n, body.total, body.firstKept, body.open, body.complete], [500, 5502, 6001, 1, true, false]);
  assert.deepEqual(body.lines.at(-1), { n: 6001, text: 'partial', time: 0 });

  body = await (await get(`${path}?from=10&limit=2`, 'all')).json();
  assert.deepEqual(body.lines.map((l: { text: string }) => l.text), ['line 10', 'line 11']);
  body = await (await get(`${path}?from=-2`, 'all')).json();
  assert.deepEqual(body.lines.map((l: { n: number }) => l.n), [6000, 6001]);
  body = await (await get(`${path}?from=1&limit=100000`, 'all')).json();
  assert.equal(body.lines.length, 5000, 'limit capped');
  body = await (await get(`${path}?limit=0&token=all`)).json();
  assert.deepEqual([body.lines.length, body.total], [0, 6001], 'limit=0: the counts only; the token from the query');

  for (const query of ['from=0', 'from=x', 'limit=-1', 'limit=1.5', 'from=1e3']) {
    response = await get(`${path}?${query}`, 'all');
    assert.equal(response.status, 400, query);
  }
  response = await get(`${base}/api/projects/p1/tasks/%E0%A4%A/logs`, 'all');
  assert.equal(response.status, 400, 'bad percent-encoding');
});

test('grants: no token or a refused one 401, an expired one 401 token expired, another project 403, a task without a log 204', async (t) => {
  const store = new MemoryOutputStore();
  store.numberOutput(output('p1', 't', 'one\n'));
  store.numberOutput(output('p2', 't', 'secret\n'));
  const base = await serve(t, store);
  const logs = (p: string, task = 't', suffix = '') => `${base}/projects/${p}/tasks/${task}/logs${suffix}`;

  let response = await get(logs('p1'));
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  assert.equal((await get(logs('p1'), 'nobody')).status, 401);
  response = await get(logs('p1'), 'old');
  assert.deepEqual([response.status, await response.json()], [401, { error: 'token expired' }]);
  for (const suffix of ['', '.txt']) {
    response = await get(logs('p2', 't', suffix), 'p1');
    assert.equal(response.status, 403, suffix);
    assert.doesNotMatch(await response.text(), /secret/);
    assert.equal((await get(logs('p1', 'missing', suffix), 'p1')).status, 204, suffix);
  }
  assert.equal((await get(logs('p1'), 'p1')).status, 200);
  response = await get(logs('p1'), undefined, { method: 'OPTIONS' });
  assert.equal(response.status, 204);
  assert.match(response.headers.get('access-control-allow-headers')!, /authorization/);
  assert.equal((await get(`${base}/projects/p1/tasks/t`, 'all')).status, 404, 'not a log path: left to the next handler');
  assert.equal((await get(logs('p1'), 'all', { method: 'POST' })).status, 404);
});

test('logs.txt: plain text without escapes, as an attachment; HEAD sends the headers only', async (t) => {
  const store = new MemoryOutputStore();
  store.numberOutput(output('p1', 'build "7"', '\x1b[31merror\x1b[0m: failed\r\n\tat x\r\n10%\r100%\n'));
  const base = await serve(t, store);
  const url = `${base}/projects/p1/tasks/${encodeURIComponent('build "7"')}/logs.txt`;
  let response = await get(url, 'all');
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(response.headers.get('content-disposition'), `attachment; filename="build__7_.log"; filename*=UTF-8''build%20%227%22.log`);
  assert.equal(await response.text(), 'error: failed\n\tat x\n100%\n');
  response = await get(url, 'all', { method: 'HEAD' });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '');
});

test('logs.txt is read from the store as the client reads it: a client that stops reading stops the reading', async (t) => {
  const store = new MemoryOutputStore({ maxLines: 300000 });
  const line = 'x'.repeat(79) + '\n';
  for (let i = 0; i < 200; i++) store.numberOutput(output('p1', 't', line.repeat(1000)));
  let pages = 0;
  let released = false;
  const counting: OutputStore = {
    numberOutput: (e) => store.numberOutput(e),
    read: (p, task, o) => store.read(p, task, o),
    async download(p, task) {
      const chunks = await store.download(p, task);
      return chunks && (async function* () {
        try {
          for await (const chunk of chunks) {
            pages++;
            yield chunk;
          }
        } finally {
          released = true;
        }
      })();
    },
  };
  const base = await serve(t, counting);
  // A client that reads the headers and a first piece, then nothing more.
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${base}/projects/p1/tasks/t/logs.txt`, { headers: { authorization: 'Bearer all' } }, resolve);
    req.on('error', reject);
    req.end();
  });
  assert.equal(response.statusCode, 200);
  response.pause();
  await waitFor(() => pages > 0, 'the first page');
  await quietFor(300, 'the reading waits for the client: no more than a few pages past the first');
  const before = pages;
  assert.ok(before < 100, `the handler waits for the client (${before} of 200 pages read)`);
  response.destroy();
  await waitFor(() => released, 'the handler to let go of the reading');
  assert.ok(pages <= before + 1, `no more pages read once the client is gone (${pages})`);

  // A client that reads everything gets every line.
  const whole = await (await get(`${base}/projects/p1/tasks/t/logs.txt`, 'all')).text();
  assert.equal(whole.length, 200000 * 80);
});

test('a store that cannot be reached: 503', async (t) => {
  const { OutputUnavailableError } = await import('../../src/server/output-store.js');
  const down: OutputStore = {
    numberOutput: (e) => e,
    read: () => Promise.reject(new OutputUnavailableError('down')),
    download: () => Promise.reject(new OutputUnavailableError('down')),
  };
  const base = await serve(t, down);
  for (const suffix of ['', '.txt']) {
    const response = await get(`${base}/projects/p1/tasks/t/logs${suffix}`, 'all');
    assert.deepEqual([response.status, await response.json()], [503, { error: 'output store unavailable' }]);
  }
});
