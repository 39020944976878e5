/**
 * The actions on runs as the reference server takes them and its simulator obeys them: real HTTP
 * requests to a real server, the events seen by a real socket client, the simulator's waits on a
 * clock moved by hand. Cancel, pause and resume (and what comes after: nothing for a run that
 * ended, the rest of its plan for one resumed), and every refusal: 400, 401, 403, 404, 405, 409,
 * 500, 501; the preflight; any prefix before the paths; the token only ever read from the header.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { test, type TestContext } from 'node:test';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { createProgressServer, type ProgressServer, type ProgressServerOptions, type RunActionAuthorisation, type RunActionResult, type RunActions } from '../../src/server/index.js';
import { handleRunAction } from '../../src/server/run-actions.js';
import { createSimulator, type Simulator } from '../../src/server/simulator/index.js';
import { container } from './helpers/fixtures.js';
import { ManualClock } from './helpers/manual-clock.js';
import { connect, type RawClient } from './helpers/raw-client.js';

type Event = ProgressEvent & { status?: string; error?: string; startedAt?: string; task?: any };

const SEED = 7;
const idOf = (e: Event): string | undefined => ('taskId' in e ? e.taskId : 'executionId' in e ? e.executionId : undefined);
/** An event without what depends on the clock. */
const timeless = ({ timestamp: _t, startedAt: _s, seq: _n, ...rest }: Event & { seq?: number }) => rest;

interface Rig {
  server: ProgressServer;
  simulator: Simulator;
  clock: ManualClock;
  /** Every event the simulator published, in order. */
  published: Event[];
  /** A socket on every project's events. */
  socket: RawClient;
  origin: string;
  post(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; text: string; body: any }>;
  /** Runs the simulator's timers, in order, until `done` holds. */
  runUntil(done: () => boolean, what: string): void;
  /** Waits until a marker published now reaches the socket: whatever was published before it has arrived. */
  drain(): Promise<void>;
  /** What the socket received for one run. */
  received(id: string): Event[];
}

let markers = 0;

async function rig(t: TestContext, options: ProgressServerOptions = {}, seed = SEED): Promise<Rig> {
  const clock = new ManualClock();
  const published: Event[] = [];
  let server: ProgressServer | undefined;
  const simulator = createSimulator(
    {
      publish(event) {
        published.push(event as Event);
        return server!.publish(event);
      },
    },
    { clock, seed },
  );
  t.after(() => simulator.stop());
  server = await createProgressServer({ heartbeatInterval: 0, containerEvents: 'published', actions: simulator, ...options });
  t.after(() => server!.close());
  const socket = await connect(server.urlFor());
  t.after(() => socket.terminate());
  const origin = `http://127.0.0.1:${server.port}`;
  const running = server;
  return {
    server,
    simulator,
    clock,
    published,
    socket,
    origin,
    async post(path, headers = {}) {
      const response = await fetch(origin + path, { method: 'POST', headers });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : undefined };
    },
    runUntil(done, what) {
      while (!done()) if (!clock.step()) throw new Error(`the runs ended before ${what}`);
    },
    async drain() {
      const containerId = `marker-${++markers}`;
      await running.publish(container('container_created', 'markers', containerId));
      await socket.next((f) => f.containerId === containerId);
    },
    received: (id) => (socket.frames as Event[]).filter((e) => idOf(e) === id),
  };
}

/** The events of one workflow execution as a simulator with this seed plays it without actions. */
function referenceExecution(seed: number): Event[] {
  const clock = new ManualClock();
  const events: Event[] = [];
  const simulator = createSimulator({ publish: (e) => events.push(e as Event) }, { clock, seed });
  simulator.startWorkflow({ outcome: 'completed' });
  while (clock.step());
  return events;
}

const has = (events: Event[], id: string, type: string, extra: (e: Event) => boolean = () => true) => () =>
  events.some((e) => idOf(e) === id && e.type === type && extra(e));

function assertJsonAnswer(answer: { status: number; headers: Headers }, status: number): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get('content-type'), 'application/json');
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.equal(answer.headers.get('access-control-allow-origin'), '*');
}

test('cancelling a running task: 202, then its running step skipped and task_cancelled, and nothing more for it', async (t) => {
  const { simulator, clock, published, socket, post, runUntil, drain, received } = await rig(t);
  const taskId = simulator.startTask({ outcome: 'completed' });
  runUntil(has(published, taskId, 'step_progress', (e) => e.status === 'running'), 'a step running');
  const step = published.filter((e) => e.type === 'step_progress').at(-1) as Event & { stepId: string };

  const answer = await post(`/api/projects/demo/tasks/${taskId}/cancel`);
  assertJsonAnswer(answer, 202);
  assert.deepEqual(answer.body, { accepted: 'cancel' });

  const cancelled = (await socket.next((f) => f.taskId === taskId && f.type === 'task_cancelled')) as Event;
  assert.ok(published[0]!.task, 'the run has a name');
  assert.equal(cancelled.task, published[0]!.task, 'named as the run');
  assert.ok(cancelled.startedAt, 'with its start');
  // The run's timer is gone with it: nothing is due any more, however long the clock runs.
  assert.equal(clock.pending, 0);
  assert.equal(simulator.activeRuns, 0);
  clock.advance(3_600_000);
  await drain();
  const events = received(taskId);
  assert.deepEqual(
    events.slice(-2).map((e) => [e.type, e.status, 'stepId' in e ? e.stepId : undefined]),
    [['step_progress', 'skipped', step.stepId], ['task_cancelled', undefined, undefined]],
  );

  // Ended: another cancel is refused, with the state the server knows.
  const again = await post(`/api/projects/demo/tasks/${taskId}/cancel`);
  assertJsonAnswer(again, 409);
  assert.deepEqual(again.body, { error: 'the task is cancelled' });

  // A queued task is cancelled too, with no step to skip.
  const queuedId = simulator.startTask();
  runUntil(has(published, queuedId, 'task_queued'), 'the task queued');
  assert.equal((await post(`/api/projects/demo/tasks/${queuedId}/cancel`)).status, 202);
  await socket.next((f) => f.taskId === queuedId && f.type === 'task_cancelled');
  assert.deepEqual(received(queuedId).map((e) => e.type), ['task_queued', 'task_cancelled']);
});

test('pausing a running execution stops it where it is; resuming goes on with what was left of the wait, and the rest of its plan', async (t) => {
  const { simulator, clock, published, socket, post, runUntil, drain, received } = await rig(t);
  const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
  runUntil(has(published, executionId, 'workflow_phase_started'), 'the first phase');
  const before = published.length;
  const left = clock.nextIn!;
  clock.advance(Math.floor(left / 2));
  const waitLeft = clock.nextIn!;

  const paused = await post(`/api/workflows/executions/${executionId}/pause`);
  assertJsonAnswer(paused, 202);
  assert.deepEqual(paused.body, { accepted: 'pause' });
  await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_paused');
  // Stopped: no timer of its own, nothing published however long the clock runs.
  assert.equal(clock.pending, 0);
  clock.advance(3_600_000);
  await drain();
  assert.equal(received(executionId).at(-1)!.type, 'workflow_execution_paused');
  assert.equal(simulator.activeRuns, 1, 'still under way');

  // Paused: pausing again is refused; so is resuming a running one, later.
  const again = await post(`/api/workflows/executions/${executionId}/pause`);
  assertJsonAnswer(again, 409);
  assert.deepEqual(again.body, { error: 'the workflow is paused' });

  assert.equal((await post(`/api/workflows/executions/${executionId}/resume`)).status, 202);
  await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_resumed');
  assert.equal(clock.nextIn, waitLeft, 'the next beat is due after what was left of its wait');
  assert.deepEqual((await post(`/api/workflows/executions/${executionId}/resume`)).body, { error: 'the workflow is running' });
  const resumedAt = clock.now();
  clock.step();
  assert.equal(clock.now() - resumedAt, waitLeft);

  while (clock.step());
  await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_completed');
  // What it published: its plan as it would have played it, with the pause and the resume where they were asked for.
  const reference = referenceExecution(SEED).map(timeless);
  const expected = [...reference.slice(0, before), { ...reference[0], type: 'workflow_execution_paused' }, { ...reference[0], type: 'workflow_execution_resumed' }, ...reference.slice(before)];
  const base = (e: Record<string, unknown>) => (e.type === 'workflow_execution_paused' || e.type === 'workflow_execution_resumed' ? { type: e.type, executionId: e.executionId } : e);
  assert.deepEqual(published.map(timeless).map(base), expected.map(base));
  assert.deepEqual(received(executionId).map(timeless).map(base), expected.map(base), 'the socket saw the same');
  assert.equal(clock.pending, 0);
});

test('an execution paused by its own plan resumes when asked, and its planned resume does not come as well', async (t) => {
  let seed = 1;
  while (!referenceExecution(seed).some((e) => e.type === 'workflow_execution_paused')) seed++;
  const { simulator, clock, published, socket, post, runUntil } = await rig(t, {}, seed);
  const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
  runUntil(has(published, executionId, 'workflow_execution_paused'), 'the planned pause');
  assert.equal(clock.pending, 1, 'the planned resume is due');
  assert.equal((await post(`/api/workflows/executions/${executionId}/resume`)).status, 202);
  while (clock.step());
  await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_completed');
  const types = published.map((e) => e.type);
  assert.equal(types.filter((type) => type === 'workflow_execution_resumed').length, 1);
  const reference = referenceExecution(seed).map((e) => e.type);
  assert.deepEqual(types, reference);
});

test('cancelling an execution, paused or running, ends it with workflow_execution_failed marked cancelled, and nothing more', async (t) => {
  const { simulator, clock, published, socket, post, runUntil, drain, received } = await rig(t);
  for (const pauseFirst of [false, true]) {
    const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
    runUntil(has(published, executionId, 'workflow_phase_started'), 'a phase');
    if (pauseFirst) assert.equal((await post(`/api/workflows/executions/${executionId}/pause`)).status, 202);
    const answer = await post(`/api/workflows/executions/${executionId}/cancel`);
    assertJsonAnswer(answer, 202);
    assert.deepEqual(answer.body, { accepted: 'cancel' });
    const end = (await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_failed')) as Event;
    assert.equal(end.status, 'cancelled');
    assert.equal(end.error, 'Cancelled');
    assert.equal(clock.pending, 0);
    clock.advance(3_600_000);
    await drain();
    assert.equal(received(executionId).at(-1), end, 'nothing after the end');
    for (const action of ['pause', 'resume', 'cancel']) {
      const late = await post(`/api/workflows/executions/${executionId}/${action}`);
      assertJsonAnswer(late, 409);
      assert.deepEqual(late.body, { error: 'the workflow is cancelled' }, action);
    }
  }
  // One that ended by itself is refused as well.
  const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
  while (clock.step());
  await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_completed');
  assert.deepEqual((await post(`/api/workflows/executions/${executionId}/cancel`)).body, { error: 'the workflow is completed' });
  assert.equal(simulator.activeRuns, 0);
});

test('refusals: 401 without a Bearer token the hook accepts (never one from the URL), 404 unknown runs, 400 bad ids, and no token is ever echoed', async (t) => {
  const seen: (string | undefined)[] = [];
  const { simulator, published, post, runUntil, origin } = await rig(t, {
    authenticate(token) {
      seen.push(token);
      if (token === 'tk-boom') throw new Error('the identity service is down');
      return token === 'tk-good';
    },
  });
  // (The rig's socket, which came with no token, was asked about too.)
  seen.length = 0;
  const taskId = simulator.startTask({ outcome: 'completed' });
  runUntil(has(published, taskId, 'task_started'), 'the task started');
  const path = `/api/projects/demo/tasks/${taskId}/cancel`;
  const bodies: string[] = [];

  for (const [headers, query, challenge] of [
    [{}, '', 'Bearer'],
    [{}, '?token=tk-good', 'Bearer'],
    [{ authorization: 'Basic tk-good' }, '', 'Bearer'],
    [{ authorization: 'Bearer tk-bad' }, '', 'Bearer error="invalid_token"'],
    [{ authorization: 'Bearer tk-boom' }, '', 'Bearer error="invalid_token"'],
  ] as [Record<string, string>, string, string][]) {
    const answer = await post(path + query, headers);
    assertJsonAnswer(answer, 401);
    assert.equal(answer.headers.get('www-authenticate'), challenge, JSON.stringify(headers) + query);
    assert.equal(typeof answer.body.error, 'string');
    bodies.push(answer.text, JSON.stringify([...answer.headers]));
  }
  assert.deepEqual(seen, [undefined, undefined, undefined, 'tk-bad', 'tk-boom'], 'the token only from the Authorization header');
  assert.ok(published.every((e) => e.type !== 'task_cancelled'), 'nothing was done');

  const good = { authorization: 'Bearer tk-good' };
  for (const [target, status, error] of [
    ['/api/projects/demo/tasks/nobody/cancel', 404, 'unknown task'],
    ['/api/projects/elsewhere/tasks/' + taskId + '/cancel', 404, 'unknown task'],
    ['/api/workflows/executions/nobody/pause', 404, 'unknown workflow execution'],
    ['/api/projects/%E0%A4%A/tasks/t/cancel', 400, 'ids in the path must be valid percent-encoding'],
    ['/api/workflows/executions/%ZZ/cancel', 400, 'ids in the path must be valid percent-encoding'],
  ] as const) {
    const answer = await post(target, good);
    assertJsonAnswer(answer, status);
    assert.deepEqual(answer.body, { error }, target);
    bodies.push(answer.text);
  }
  const taken = await post(path, good);
  assert.equal(taken.status, 202);
  bodies.push(taken.text, JSON.stringify([...taken.headers]));
  for (const text of bodies) assert.ok(!/tk-(good|bad|boom)/.test(text), text);

  // The server lives on, and its other endpoints are untouched.
  assert.equal((await fetch(`${origin}/health`)).status, 200);
});

test('the preflight, 405 for other methods, and any prefix before the paths', async (t) => {
  const { simulator, published, post, runUntil, origin, socket } = await rig(t);
  const executionPaths = ['/workflows/executions/e/pause', '/workflows/executions/e/resume', '/workflows/executions/e/cancel'];
  for (const path of ['/api/projects/p/tasks/t/cancel', ...executionPaths.map((p) => '/api/v1' + p)]) {
    const preflight = await fetch(origin + path, {
      method: 'OPTIONS',
      headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.status, 204, path);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST');
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization, accept, content-type');
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH']) {
      const answer = await fetch(origin + path, { method });
      assertJsonAnswer(answer, 405);
      assert.equal(answer.headers.get('allow'), 'POST, OPTIONS', `${method} ${path}`);
      assert.equal(typeof ((await answer.json()) as { error?: unknown }).error, 'string');
    }
  }

  // With no prefix, with /api, with /api/v1: the same actions.
  const ids = [simulator.startTask({ outcome: 'completed' }), simulator.startTask({ outcome: 'completed' }), simulator.startTask({ outcome: 'completed' })];
  runUntil(() => ids.every((id) => has(published, id, 'task_started')()), 'the tasks started');
  for (const [prefix, id] of [['', ids[0]], ['/api', ids[1]], ['/api/v1', ids[2]]] as const) {
    assert.equal((await post(`${prefix}/projects/demo/tasks/${id}/cancel`)).status, 202, prefix || 'no prefix');
    await socket.next((f) => f.taskId === id && f.type === 'task_cancelled');
  }
  // The REST reads beside them still answer.
  const read = await fetch(`${origin}/api/projects/demo/tasks/${ids[0]}`);
  assert.equal(((await read.json()) as { status: string }).status, 'cancelled');
});

test('403 for a token that may not act in the task’s project (named in its path); another project’s execution is refused as one not known (404); 401 for an expired one', async (t) => {
  const { server, simulator, published, runUntil, socket } = await rig(t);
  const grants: Record<string, string> = { 'tk-demo': 'demo', 'tk-other': 'other' };
  const authorise: RunActionAuthorisation = async (token) => {
    if (token === 'tk-old') return { ok: false, reason: 'expired' };
    const project = token === undefined ? undefined : grants[token];
    return project === undefined ? { ok: false, reason: 'refused' } : { ok: true, access: { allows: (p) => p === project } };
  };
  const http = createHttpServer((request, response) => {
    if (!handleRunAction(request, response, { states: server.log.states, authorise, actions: simulator })) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => http.close(() => resolve())));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}/api`;
  const post = async (path: string, token: string) => {
    const response = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { error?: string } };
  };

  const taskId = simulator.startTask({ outcome: 'completed' });
  const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
  runUntil(() => has(published, taskId, 'task_started')() && has(published, executionId, 'workflow_execution_started')(), 'both started');
  const task = `/projects/demo/tasks/${taskId}/cancel`;
  const pause = `/workflows/executions/${executionId}/pause`;

  assert.deepEqual(await post(task, 'tk-other'), { status: 403, body: { error: 'the token may not act on runs of this project' } });
  const unknown = { status: 404, body: { error: 'unknown workflow execution' } };
  assert.deepEqual(await post(pause, 'tk-other'), unknown, 'the same answer as for an execution that does not exist');
  assert.deepEqual(await post('/workflows/executions/nobody/pause', 'tk-other'), unknown);
  assert.deepEqual(await post(pause, 'tk-old'), { status: 401, body: { error: 'the token has expired' } });
  assert.ok(!published.some((e) => e.type === 'task_cancelled' || e.type === 'workflow_execution_paused'), 'nothing was done');

  assert.equal((await post(task, 'tk-demo')).status, 202);
  assert.equal((await post(pause, 'tk-demo')).status, 202);
  await socket.next((f) => f.executionId === executionId && f.type === 'workflow_execution_paused');
});

test('without `actions` the endpoints answer 501; actions may answer later (a promise), and one that fails answers 500', async (t) => {
  const bare = await createProgressServer({ heartbeatInterval: 0 });
  t.after(() => bare.close());
  const answer = await fetch(`http://127.0.0.1:${bare.port}/api/projects/p/tasks/t/cancel`, { method: 'POST' });
  assertJsonAnswer(answer, 501);
  assert.deepEqual(await answer.json(), { error: 'this server takes no actions on runs' });

  const calls: string[] = [];
  let release: (() => void) | undefined;
  const actions: RunActions = {
    async cancelTask(projectId, taskId): Promise<RunActionResult> {
      calls.push(`cancel ${projectId}/${taskId}`);
      await new Promise<void>((resolve) => (release = resolve));
      return 'accepted';
    },
    pauseExecution: () => {
      throw new Error('the orchestrator is down');
    },
    resumeExecution: async (): Promise<RunActionResult> => 'conflict',
    cancelExecution: () => 'unknown',
  };
  const server = await createProgressServer({ heartbeatInterval: 0, actions });
  t.after(() => server.close());
  const origin = `http://127.0.0.1:${server.port}`;
  const pending = fetch(`${origin}/api/projects/p/tasks/a%2Fb/cancel`, { method: 'POST' });
  while (!release) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['cancel p/a/b'], 'the ids decoded');
  release();
  assert.equal((await pending).status, 202);

  // The execution must be known to the states for its project.
  await server.publish({ type: 'workflow_execution_started', projectId: 'p', workflowId: 'w', executionId: 'e', timestamp: new Date().toISOString() });
  const failed = await fetch(`${origin}/api/workflows/executions/e/pause`, { method: 'POST' });
  assertJsonAnswer(failed, 500);
  assert.deepEqual(await failed.json(), { error: 'the pause failed' });
  const conflict = await fetch(`${origin}/api/workflows/executions/e/resume`, { method: 'POST' });
  assert.deepEqual([conflict.status, await conflict.json()], [409, { error: 'the workflow is running' }]);
  const unknown = await fetch(`${origin}/api/workflows/executions/e/cancel`, { method: 'POST' });
  assert.deepEqual([unknown.status, await unknown.json()], [404, { error: 'unknown workflow execution' }]);
  assert.equal((await fetch(`${origin}/health`)).status, 200, 'the server lives on');
});

test('the simulator clears every timer of runs paused, resumed and cancelled, and stop() leaves none', async (t) => {
  const { simulator, clock, published, runUntil } = await rig(t);
  const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
  const taskId = simulator.startTask({ outcome: 'completed' });
  runUntil(() => has(published, executionId, 'workflow_execution_started')() && has(published, taskId, 'task_started')(), 'both started');
  assert.equal(clock.pending, 2);
  assert.equal(simulator.pauseExecution(executionId), 'accepted');
  assert.equal(clock.pending, 1);
  assert.equal(simulator.resumeExecution(executionId), 'accepted');
  assert.equal(clock.pending, 2);
  assert.equal(simulator.cancelTask('demo', taskId), 'accepted');
  assert.equal(clock.pending, 1);
  assert.equal(simulator.cancelTask('other', 'nobody'), 'unknown');
  assert.equal(simulator.pauseExecution(taskId), 'unknown', 'a task is not an execution');
  simulator.start();
  assert.ok(clock.pending > 1);
  simulator.stop();
  assert.equal(clock.pending, 0);
});
