/** The reference server's HTTP side: snapshot and REST reads (entities not seen yet included), their authentication and CORS, bad request URLs. */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { connect as connectTcp } from 'node:net';
import { test } from 'node:test';
import { aintandemSnapshotLoader } from '../../src/client/aintandem-snapshots.js';
import { referenceSnapshotLoader } from '../../src/client/snapshots.js';
import { createProgressServer, type ProgressEvent } from '../../src/server/index.js';
import { hasChromium, openPage } from './helpers/chromium.js';
import { startServer, waitFor } from './helpers/fixtures.js';

const now = () => new Date().toISOString();

const httpBase = (server: { port: number }) => `http://127.0.0.1:${server.port}`;

function publishTask(server: { publish(event: ProgressEvent): unknown }): void {
  server.publish({ type: 'task_started', projectId: 'p', taskId: 't', timestamp: now() });
  server.publish({ type: 'output', projectId: 'p', taskId: 't', output: 'secret output\n', timestamp: now() } as ProgressEvent);
}

/** Sends a raw request line and resolves with the response's status line. */
function rawRequest(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('end', () => resolve(text.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

const READS = ['/progress/snapshot?kind=task&projectId=p&taskId=t', '/api/progress/snapshot?kind=task&projectId=p&taskId=t', '/api/projects/p/tasks/t'];

test('a request URL that cannot be parsed gets 400 and the server lives on', async (t) => {
  const server = await startServer(t);
  assert.equal(await rawRequest(server.port, '//['), 'HTTP/1.1 400 Bad Request');
  const health = await fetch(`${httpBase(server)}/health`);
  assert.equal(health.status, 200);
  await health.text();
});

test('handleRequest as a middleware answers an unparsable URL with 400 instead of throwing', async (t) => {
  const http = createHttpServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const server = await createProgressServer({ server: http, heartbeatInterval: 0 });
  t.after(() => server.close());
  const thrown: unknown[] = [];
  http.on('request', (request, response) => {
    try {
      if (!server.handleRequest(request, response)) response.writeHead(418).end();
    } catch (error) {
      thrown.push(error);
      response.writeHead(500).end();
    }
  });
  assert.equal(await rawRequest(server.port, '//['), 'HTTP/1.1 400 Bad Request');
  assert.deepEqual(thrown, []);
});

test('with an authenticate hook, snapshot and REST reads need a token it accepts (header or query)', async (t) => {
  const calls: { token: string | undefined; request: IncomingMessage }[] = [];
  const server = await startServer(t, {
    authenticate: async (token, request) => {
      calls.push({ token, request });
      await new Promise((r) => setImmediate(r)); // answered later than the call, as a backend would
      if (token === 'boom') throw new Error('auth backend down');
      return token === 'good';
    },
  });
  publishTask(server);
  const base = httpBase(server);

  for (const path of READS) {
    for (const headers of [{}, { authorization: 'Bearer bad' }, { authorization: 'Bearer boom' }, { authorization: 'Basic good' }] as Record<string, string>[]) {
      const res = await fetch(base + path, { headers });
      assert.equal(res.status, 401, `${path} ${JSON.stringify(headers)}`);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('content-type'), 'application/json');
      const text = await res.text();
      assert.deepEqual(JSON.parse(text), { error: 'unauthorized' });
      assert.doesNotMatch(text, /secret/);
    }
    const byHeader = await fetch(base + path, { headers: { authorization: 'Bearer good' } });
    assert.equal(byHeader.status, 200, path);
    assert.equal((await byHeader.json()).status, 'running');
    const byQuery = await fetch(base + path + (path.includes('?') ? '&' : '?') + 'token=good');
    assert.equal(byQuery.status, 200, path);
    await byQuery.text();
  }
  assert.ok(calls.some((c) => c.token === undefined), 'a read without a token is checked too');
  assert.ok(calls.every((c) => typeof c.request.url === 'string'), 'the hook gets the request');

  // Unknown entities and bad queries are only told apart once the token is accepted.
  const unknown = await fetch(`${base}/progress/snapshot?kind=task&projectId=p&taskId=nope`, { headers: { authorization: 'Bearer good' } });
  assert.equal(unknown.status, 204);
  await unknown.text();
  const refusedUnknown = await fetch(`${base}/progress/snapshot?kind=task&projectId=p&taskId=nope`);
  assert.equal(refusedUnknown.status, 401);
  await refusedUnknown.text();
});

test("the client's snapshot loaders reach a server that checks tokens, and fail without one", async (t) => {
  const server = await startServer(t, { authenticate: (token) => token === 'good' });
  publishTask(server);
  const base = httpBase(server);
  const signal = new AbortController().signal;
  const request = { kind: 'task', projectId: 'p', taskId: 't' } as const;

  const reference = await referenceSnapshotLoader(base, { token: 'good' })(request, signal);
  assert.equal(reference?.status, 'running');
  const rest = await aintandemSnapshotLoader(`${base}/api`, { getToken: async () => 'good' })(request, signal);
  assert.equal(rest?.status, 'running');

  await assert.rejects(referenceSnapshotLoader(base)(request, signal), /401/);
  await assert.rejects(aintandemSnapshotLoader(`${base}/api`, { token: 'bad' })(request, signal), /401/);
});

test('without an authenticate hook, reads need no token', async (t) => {
  const server = await startServer(t);
  publishTask(server);
  for (const path of READS) {
    const res = await fetch(httpBase(server) + path);
    assert.equal(res.status, 200, path);
    await res.text();
  }
});

test('a CORS preflight on the snapshot and REST paths gets 204 with the headers a token-sending loader needs', async (t) => {
  // A hook that refuses everything: preflights carry no credentials and must pass anyway.
  const server = await startServer(t, { authenticate: () => false });
  const base = httpBase(server);
  for (const path of [...READS, '/api/workflows/executions/e1']) {
    const res = await fetch(base + path, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(res.status, 204, path);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-allow-methods'), 'GET');
    assert.equal(res.headers.get('access-control-allow-headers'), 'authorization, accept');
    await res.text();
  }
  const other = await fetch(`${base}/elsewhere`, { method: 'OPTIONS' });
  assert.equal(other.status, 404);
  await other.text();
});

test('HEAD on a read gets the answer GET gets, without its body', async (t) => {
  const server = await startServer(t);
  publishTask(server);
  for (const [path, status, type] of [[READS[0]!, 200, /json/], ['/progress/snapshot?kind=task&projectId=p&taskId=nobody', 204, /^$/]] as const) {
    const res = await fetch(httpBase(server) + path, { method: 'HEAD' });
    assert.equal(res.status, status, path);
    assert.match(res.headers.get('content-type') ?? '', type);
    assert.equal(await res.text(), '');
  }
});

const UNSEEN = [
  '/progress/snapshot?kind=task&projectId=p&taskId=new',
  '/progress/snapshot?kind=workflow&executionId=e-new',
  '/progress/snapshot?kind=workflow&workflowId=w-new',
  '/progress/snapshot?kind=container&projectId=p&containerId=c-new',
  '/api/projects/p/tasks/new',
  '/api/workflows/executions/e-new',
];

test('an entity the server has not seen yet gets 204 with no body on every read; a bad query 400; a path that is no endpoint 404', async (t) => {
  const server = await startServer(t);
  publishTask(server);
  const base = httpBase(server);
  for (const path of UNSEEN) {
    const res = await fetch(base + path);
    assert.equal(res.status, 204, path);
    assert.equal(res.headers.get('access-control-allow-origin'), '*', path);
    assert.equal(res.headers.get('content-type'), null, path);
    assert.equal(await res.text(), '', path);
  }
  for (const path of ['/progress/snapshot?kind=task&projectId=p', '/progress/snapshot?kind=nonsense&projectId=p&taskId=t', '/api/projects/%E0%A4%A/tasks/t', '/api/workflows/executions/%zz']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 400, path);
    assert.ok(typeof (await res.json()).error === 'string', path);
  }
  for (const path of ['/api/projects/p/tasks', '/api/projects/p/tasks/t/steps', '/api/workflows/executions', '/progress/snapshots?kind=task&projectId=p&taskId=t']) {
    const res = await fetch(base + path);
    assert.equal(res.status, 404, path);
    await res.text();
  }
});

test("the client's loaders read an entity not seen yet as nothing known, and load it once it exists", async (t) => {
  const server = await startServer(t);
  const base = httpBase(server);
  const signal = new AbortController().signal;
  const loaders = [referenceSnapshotLoader(base), aintandemSnapshotLoader(`${base}/api`)];
  for (const load of loaders) {
    assert.equal(await load({ kind: 'task', projectId: 'p', taskId: 't' }, signal), undefined);
    assert.equal(await load({ kind: 'workflow', executionId: 'e1' }, signal), undefined);
  }
  publishTask(server);
  for (const load of loaders) assert.equal((await load({ kind: 'task', projectId: 'p', taskId: 't' }, signal))?.status, 'running');
});

test('Chromium logs no failed request when a page reads a task the server has not seen yet', { skip: !hasChromium() && 'no Chromium' }, async (t) => {
  const server = await startServer(t);
  const base = httpBase(server);
  const page = await openPage(`${base}/health`);
  t.after(() => page.close());
  const statuses = await page.evaluate<number[]>(`Promise.all(${JSON.stringify(UNSEEN)}.map((path) => fetch(path).then((r) => r.status)))`);
  assert.deepEqual(statuses, UNSEEN.map(() => 204));
  // A request that does fail, after them: once the browser has logged it, it has logged whatever came before.
  assert.equal(await page.evaluate(`fetch('/no-such-endpoint').then((r) => r.status)`), 404);
  await waitFor(() => page.log.some((entry) => entry.url?.endsWith('/no-such-endpoint')), 'the failed request in the log');
  // The browser's own favicon request aside.
  const failures = page.log.filter((entry) => entry.level === 'error' && !entry.url?.endsWith('/favicon.ico'));
  assert.deepEqual(failures.map((entry) => entry.url), [`${base}/no-such-endpoint`], JSON.stringify(failures));
});

test("the REST reads carry the run's name and its plan, the steps and phases not begun as pending", async (t) => {
  const server = await startServer(t);
  const startedAt = now();
  const steps = [{ stepId: 'lint', step: 'Lint' }, { stepId: 'build', step: 'Build' }, { stepId: 'test', step: 'Test' }];
  const phases = [{ phaseId: 'plan', phase: 'Plan' }, { phaseId: 'ship', phase: 'Ship' }];
  const events = [
    { type: 'task_queued', projectId: 'p', taskId: 't', timestamp: now(), task: { name: 'Build the app' }, steps },
    { type: 'task_started', projectId: 'p', taskId: 't', timestamp: startedAt, task: { name: 'Build the app' }, steps, startedAt },
    { type: 'step_progress', projectId: 'p', taskId: 't', timestamp: now(), task: { name: 'Build the app' }, stepId: 'lint', step: 'Lint', status: 'running', startedAt },
    { type: 'workflow_execution_started', projectId: 'p', workflowId: 'w', executionId: 'e', workflow: 'Release pipeline', timestamp: startedAt, phases, startedAt },
    { type: 'workflow_phase_started', projectId: 'p', workflowId: 'w', executionId: 'e', workflow: 'Release pipeline', timestamp: now(), phaseId: 'plan', phase: 'Plan', startedAt },
  ];
  for (const event of events) server.publish(event as ProgressEvent);
  const task = await (await fetch(`${httpBase(server)}/api/projects/p/tasks/t`)).json();
  assert.equal(task.name, 'Build the app');
  assert.equal(task.startedAt, startedAt);
  assert.deepEqual(task.steps.map((s: { stepId: string; name: string; status: string }) => [s.stepId, s.name, s.status]), [['lint', 'Lint', 'running'], ['build', 'Build', 'pending'], ['test', 'Test', 'pending']]);
  const execution = await (await fetch(`${httpBase(server)}/api/workflows/executions/e`)).json();
  assert.equal(execution.workflowName, 'Release pipeline');
  assert.equal(execution.startTime, startedAt);
  assert.deepEqual(execution.phases.map((p: { phaseId: string; status: string }) => [p.phaseId, p.status]), [['plan', 'running'], ['ship', 'pending']]);
  assert.equal(execution.totalPhases, 2);
});
