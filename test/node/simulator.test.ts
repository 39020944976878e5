import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { parseFrame } from '../../src/protocol/parse-frame.js';
import { ProgressClient } from '../../src/client/index.js';
import { aintandemSnapshotLoader } from '../../src/client/aintandem-snapshots.js';
import { referenceSnapshotLoader } from '../../src/client/snapshots.js';
import { createProgressServer, type ProgressServer } from '../../src/server/index.js';
import { createSimulator, type Simulator, type SimulatorOptions } from '../../src/server/simulator/index.js';
import { NodeWebSocket, waitFor } from './helpers/fixtures.js';
import { ManualClock } from './helpers/manual-clock.js';

const TERMINAL = new Set([
  'task_completed',
  'task_failed',
  'task_cancelled',
  'workflow_execution_completed',
  'workflow_execution_failed',
  'container_stopped',
  'container_error',
]);

/** Every frame a plain `ws` client on the all-projects socket receives, as text. */
interface Listener {
  frames: string[];
  events(): ProgressEvent[];
}

async function serverWithListener(t: TestContext): Promise<{ server: ProgressServer; listener: Listener }> {
  // The events as the simulator published them (a bare socket would get containers as sandbox_*).
  const server = await createProgressServer({ heartbeatInterval: 0, containerEvents: 'published' });
  t.after(() => server.close());
  const ws = new WebSocket(server.urlFor());
  t.after(() => ws.terminate());
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { server, listener: { frames, events: () => frames.map((f) => JSON.parse(f) as ProgressEvent) } };
}

/** The server as the simulator's target, counting what it was given to publish. */
function counted(server: ProgressServer): { count: number; publish(event: ProgressEvent): Promise<number> } {
  const target = {
    count: 0,
    publish(event: ProgressEvent): Promise<number> {
      target.count++;
      return server.publish(event);
    },
  };
  return target;
}

function simulate(t: TestContext, server: Pick<ProgressServer, 'publish'>, options: SimulatorOptions): Simulator {
  const simulator = createSimulator(server, { speed: 40, ...options });
  t.after(() => simulator.stop());
  return simulator;
}

const entityOf = (e: ProgressEvent): string =>
  'taskId' in e ? e.taskId : 'executionId' in e ? e.executionId : e.containerId;

/** Events per entity, in order, without what depends on the clock (times) or the server (sequence numbers). */
function byEntity(events: ProgressEvent[]): Map<string, object[]> {
  const map = new Map<string, object[]>();
  for (const { timestamp: _, seq: __, startedAt: ___, ...rest } of events as (ProgressEvent & { seq?: number; startedAt?: string })[]) {
    const id = entityOf(rest as ProgressEvent);
    map.set(id, [...(map.get(id) ?? []), rest]);
  }
  return map;
}

function ended(listener: Listener, ids: string[]): boolean {
  const done = new Set(listener.events().filter((e) => TERMINAL.has(e.type)).map(entityOf));
  return ids.every((id) => done.has(id));
}

async function runOneOfEach(t: TestContext, seed: number): Promise<{ ids: string[]; events: Map<string, object[]> }> {
  const { server, listener } = await serverWithListener(t);
  const simulator = simulate(t, server, { seed });
  const ids = [simulator.startTask(), simulator.startWorkflow().executionId, simulator.startContainer()];
  await waitFor(() => ended(listener, ids), 'the three runs to end', 15000);
  simulator.stop();
  return { ids, events: byEntity(listener.events()) };
}

test('the same seed gives the same runs: ids, events and outcomes', async (t) => {
  const first = await runOneOfEach(t, 1234);
  const second = await runOneOfEach(t, 1234);
  assert.deepEqual(second.ids, first.ids);
  assert.deepEqual(second.events, first.events);
  for (const id of first.ids) assert.ok(first.events.get(id)!.length >= 3, `${id} has a life`);

  const other = await runOneOfEach(t, 4321);
  assert.notDeepEqual(other.ids, first.ids, 'another seed, other runs');
});

test('every run kind reaches each of its end states, in order', async (t) => {
  const { server, listener } = await serverWithListener(t);
  const simulator = simulate(t, server, { seed: 7, projectId: 'p1' });
  const tasks = (['completed', 'failed', 'cancelled'] as const).map((outcome) => [simulator.startTask({ outcome }), outcome] as const);
  const workflows = (['completed', 'failed'] as const).map((outcome) => [simulator.startWorkflow({ outcome }).executionId, outcome] as const);
  const containers = (['exited', 'crashed', 'error'] as const).map((outcome) => [simulator.startContainer({ outcome }), outcome] as const);
  const ids = [...tasks, ...workflows, ...containers].map(([id]) => id);
  await waitFor(() => ended(listener, ids), 'every run to end', 15000);
  await waitFor(() => simulator.activeRuns === 0, 'no run under way');

  const events = listener.events();
  const life = (id: string) => events.filter((e) => entityOf(e) === id);
  for (const e of events) assert.equal(e.projectId, 'p1');

  for (const [id, outcome] of tasks) {
    const types = life(id).map((e) => e.type);
    assert.deepEqual(types.slice(0, 2), ['task_queued', 'task_started']);
    assert.equal(types.at(-1), `task_${outcome}`);
    assert.equal(types.filter((type) => TERMINAL.has(type)).length, 1, 'one end');
    const steps = life(id).filter((e) => e.type === 'step_progress');
    assert.ok(steps.every((s) => s.step && s.stepId), 'named steps');
    const percents = steps.flatMap((s) => (s.progress === undefined ? [] : [s.progress]));
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'the percent never goes back');
    assert.ok(types.includes('output'));
    if (outcome === 'completed') {
      assert.equal(percents.at(-1), 100);
      assert.ok(types.includes('artifact'));
      const artifact = life(id).find((e) => e.type === 'artifact')!;
      assert.match(artifact.artifact.path, /\S/);
      assert.equal(typeof artifact.artifact.size, 'number');
    }
    if (outcome === 'failed') {
      const end = life(id).at(-1)!;
      assert.ok(end.type === 'task_failed' && end.error);
      assert.ok(steps.some((s) => s.status === 'failed'));
    }
  }

  for (const [id, outcome] of workflows) {
    const run = life(id);
    assert.deepEqual(run.slice(0, 2).map((e) => e.type), ['workflow_execution_created', 'workflow_execution_started']);
    assert.equal(run.at(-1)!.type, `workflow_execution_${outcome}`);
    assert.ok(run.every((e) => 'totalPhases' in e && typeof e.totalPhases === 'number' && e.totalPhases > 1));
    const phases = run.filter((e) => e.type === 'workflow_phase_started');
    assert.ok(phases.length >= 1 && phases.every((e) => e.phaseId && e.phase));
    if (outcome === 'completed') {
      const total = (run[0] as { totalPhases?: number }).totalPhases;
      assert.equal(run.filter((e) => e.type === 'workflow_phase_completed').length, total);
    }
  }

  for (const [id, outcome] of containers) {
    const run = life(id);
    const created = run[0]!;
    assert.ok(created.type === 'container_created' && created.image);
    const end = run.at(-1)!;
    if (outcome === 'exited') assert.ok(end.type === 'container_stopped' && end.exitCode === 0);
    if (outcome === 'crashed') assert.ok(end.type === 'container_stopped' && end.exitCode !== undefined && end.exitCode !== 0);
    if (outcome === 'error') assert.ok(end.type === 'container_error' && end.error);
  }
});

test('random outcomes vary, and every run of a busy mix ends', async (t) => {
  const { server, listener } = await serverWithListener(t);
  const simulator = simulate(t, server, { seed: 99, speed: 200 });
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    ids.push(simulator.startTask(), simulator.startWorkflow().executionId, simulator.startContainer());
  }
  await waitFor(() => ended(listener, ids), 'ninety runs to end', 20000);
  const ends = new Set(listener.events().filter((e) => TERMINAL.has(e.type)).map((e) => e.type));
  assert.deepEqual([...ends].sort(), [...TERMINAL].sort(), 'every kind of end shows up');
  const paused = listener.events().filter((e) => e.type === 'workflow_execution_paused').map(entityOf);
  const resumed = listener.events().filter((e) => e.type === 'workflow_execution_resumed').map(entityOf);
  assert.ok(paused.length > 0, 'some executions pause');
  assert.deepEqual(resumed.sort(), paused.sort(), 'and every paused execution resumes');
});

test("every published event passes the client's parser", async (t) => {
  const { server, listener } = await serverWithListener(t);
  const clock = new ManualClock();
  const sent = counted(server);
  const simulator = simulate(t, sent, { seed: 5, speed: 200, maxConcurrent: 12, clock });
  for (let i = 0; i < 10; i++) {
    simulator.startTask();
    simulator.startWorkflow();
    simulator.startContainer();
  }
  simulator.start();
  // 1.5 s of the runs' time, in steps, each step's events delivered before the next.
  for (let ms = 0; ms < 1500; ms += 50) {
    clock.advance(50);
    const published = sent.count;
    await waitFor(() => listener.frames.length >= published, 'the step\'s events');
  }
  simulator.stop();
  assert.ok(listener.frames.length > 300, `a good number of frames (${listener.frames.length})`);
  for (const frame of listener.frames) {
    const result = parseFrame(frame);
    assert.ok(result.ok, `${frame} -> ${JSON.stringify(!result.ok && result.rejection)}`);
  }
});

test('the background mix starts runs of every kind and keeps to its bound', async (t) => {
  const { server, listener } = await serverWithListener(t);
  const clock = new ManualClock();
  const sent = counted(server);
  const simulator = simulate(t, sent, { seed: 11, speed: 20, maxConcurrent: 4, clock });
  simulator.start();
  assert.equal(simulator.running, true);
  assert.equal(simulator.activeRuns, 3, 'one run of each kind at once');
  // 2.5 s of the runs' time: the bound holds after every timer that fires.
  let most = 0;
  const end = clock.now() + 2500;
  while (clock.nextIn !== undefined && clock.now() + clock.nextIn <= end) {
    clock.step();
    most = Math.max(most, simulator.activeRuns);
  }
  await waitFor(() => listener.frames.length >= sent.count, 'the events');
  assert.ok(most <= 4, `at most 4 runs at once, saw ${most}`);
  const kinds = new Set(listener.events().map((e) => e.type.split('_')[0]));
  for (const kind of ['task', 'workflow', 'container']) assert.ok(kinds.has(kind), kind);
  const started = new Set(listener.events().filter((e) => e.type === 'task_queued' || e.type === 'workflow_execution_created' || e.type === 'container_created').map(entityOf));
  assert.ok(started.size > 3, `the mix starts new runs (${started.size})`);
});

test('stop() clears every timer and nothing is published after it', async (t) => {
  const { server, listener } = await serverWithListener(t);
  const clock = new ManualClock();
  const sent = counted(server);
  const simulator = createSimulator(sent, { seed: 3, speed: 10, clock });
  simulator.start();
  simulator.startTask();
  simulator.startWorkflow();
  simulator.startContainer();
  assert.ok(clock.pending >= 7, 'six runs and the mix hold timers');
  clock.advance(200);
  await waitFor(() => listener.frames.length > 5 && listener.frames.length >= sent.count, 'some events');
  simulator.stop();
  assert.equal(clock.pending, 0, 'no timer left');
  assert.equal(simulator.activeRuns, 0);
  assert.equal(simulator.running, false);
  const count = sent.count;
  clock.advance(60_000);
  assert.equal(sent.count, count, 'silent after stop()');

  // Runs can be started again after a stop.
  const taskId = simulator.startTask({ outcome: 'completed' });
  while (clock.step()) await waitFor(() => listener.frames.length >= sent.count, 'the run\'s events');
  await waitFor(() => ended(listener, [taskId]), 'a task after the stop', 10000);
  assert.equal(clock.pending, 0, 'a finished run leaves no timer');
});

test('a publish that fails (the log unavailable) is reported to onPublishError and the runs go on', async (t) => {
  const errors: unknown[] = [];
  const events: ProgressEvent[] = [];
  let calls = 0;
  const target = {
    publish(event: ProgressEvent): Promise<number> {
      // Every other publish fails, as it would while Redis is away.
      if (calls++ % 2 === 0) return Promise.reject(new Error('log unavailable'));
      events.push(event);
      return Promise.resolve(events.length);
    },
  };
  const simulator = createSimulator(target, { seed: 8, speed: 200, onPublishError: (error) => errors.push(error) });
  t.after(() => simulator.stop());
  const taskId = simulator.startTask({ outcome: 'completed' });
  await waitFor(() => simulator.activeRuns === 0, 'the run to end', 10000);
  await waitFor(() => errors.length + events.length === calls, 'every publish settled');
  assert.ok(errors.length > 0 && errors.every((e) => (e as Error).message === 'log unavailable'));
  assert.equal(errors.length + events.length, calls, 'every failure reported');
  assert.ok(events.some((e) => (e as { taskId?: string }).taskId === taskId));
});

/** The events of one run, in order. */
const lifeOf = (events: ProgressEvent[], id: string) => events.filter((e) => entityOf(e) === id) as (ProgressEvent & Record<string, any>)[];

/** The run's start: every event from `start` on carries its time as `startedAt`, none before. */
function assertStarts(run: (ProgressEvent & Record<string, any>)[], start: string, what: string): void {
  const at = run.findIndex((e) => e.type === start);
  assert.ok(at > 0, `${what} started`);
  for (const [i, e] of run.entries()) {
    if (i < at) assert.equal(e.startedAt, undefined, `${what}: ${e.type} before the start has no startedAt`);
    else assert.equal(e.startedAt, run[at]!.timestamp, `${what}: ${e.type} carries the run's own start`);
  }
}

test('the runs publish their plans, names and starts: steps and phases up front, the name (or image) on every event, startedAt from the start on', async (t) => {
  const { server, listener } = await serverWithListener(t);
  const simulator = simulate(t, server, { seed: 21, speed: 200 });
  const tasks = (['completed', 'failed', 'cancelled'] as const).map((outcome) => simulator.startTask({ outcome }));
  const executions = (['completed', 'failed', 'completed', 'failed'] as const).map((outcome) => simulator.startWorkflow({ outcome }).executionId);
  const containers = (['exited', 'crashed', 'error', 'error', 'error'] as const).map((outcome) => simulator.startContainer({ outcome }));
  await waitFor(() => ended(listener, [...tasks, ...executions, ...containers]), 'every run to end', 15000);
  const events = listener.events();

  for (const id of tasks) {
    const run = lifeOf(events, id);
    const name = run[0]!.task;
    assert.equal(typeof name, 'string', 'the task is named, as a string');
    assert.notEqual(name, '');
    for (const e of run) assert.equal(e.task, name, `${e.type} names the task`);
    const [queued, started] = run;
    assert.deepEqual([queued!.type, started!.type], ['task_queued', 'task_started']);
    assert.ok(Array.isArray(queued!.steps) && queued!.steps.length >= 3, 'the plan lists the steps');
    assert.deepEqual(started!.steps, queued!.steps, 'task_started repeats the plan');
    for (const step of queued!.steps) assert.ok(typeof step.stepId === 'string' && typeof step.step === 'string');
    const named = run.filter((e) => e.type === 'step_progress').map((e) => ({ stepId: e.stepId, step: e.step }));
    assert.deepEqual([...new Map(named.map((s) => [s.stepId, s])).values()], queued!.steps.slice(0, new Set(named.map((s) => s.stepId)).size), 'the steps run in the plan\'s order');
    assertStarts(run, 'task_started', id);
  }

  const names = new Set<string>();
  for (const id of executions) {
    const run = lifeOf(events, id);
    const name = run[0]!.workflow;
    assert.equal(typeof name, 'string', 'the workflow is named');
    names.add(name);
    for (const e of run) assert.equal(e.workflow, name, `${e.type} names the workflow`);
    const [created, started] = run;
    assert.deepEqual([created!.type, started!.type], ['workflow_execution_created', 'workflow_execution_started']);
    assert.equal(created!.phases.length, created!.totalPhases, 'the plan lists every phase');
    assert.deepEqual(started!.phases, created!.phases);
    const begun = run.filter((e) => e.type === 'workflow_phase_started').map((e) => ({ phaseId: e.phaseId, phase: e.phase }));
    assert.deepEqual(begun, created!.phases.slice(0, begun.length), 'the phases run in the plan\'s order');
    assertStarts(run, 'workflow_execution_started', id);
  }
  for (const name of names) assert.match(name, /^[A-Z][a-z]+( [a-z]+)*$/, 'a display name, not an id');

  let neverStarted = 0;
  for (const id of containers) {
    const run = lifeOf(events, id);
    const image = run[0]!.image;
    assert.equal(typeof image, 'string');
    for (const e of run) assert.equal(e.image, image, `${e.type} names the image`);
    if (run.some((e) => e.type === 'container_started')) assertStarts(run, 'container_started', id);
    else {
      neverStarted++;
      assert.ok(run.every((e) => e.startedAt === undefined), 'a container that never started has no start');
    }
  }
  assert.ok(neverStarted >= 1 && neverStarted < containers.length, `some containers never start (${neverStarted})`);
});

test('a view that joins a simulated run late shows its name, its whole plan and its own start, from either snapshot read', async (t) => {
  const { server, listener } = await serverWithListener(t);
  const simulator = simulate(t, server, { seed: 8, speed: 10 });
  const taskId = simulator.startTask({ outcome: 'completed' });
  const { executionId } = simulator.startWorkflow({ outcome: 'completed' });
  const life = (id: string) => lifeOf(listener.events(), id);
  await waitFor(() => life(taskId).some((e) => e.type === 'step_progress') && life(executionId).some((e) => e.type === 'workflow_phase_started'), 'both runs under way', 10000);
  simulator.stop();
  const [queued, started] = life(taskId);
  const [created, executionStarted] = life(executionId);

  const origin = server.url.replace(/^ws/, 'http');
  for (const loader of [referenceSnapshotLoader(origin), aintandemSnapshotLoader(`${origin}/api`)]) {
    const client = new ProgressClient({ url: server.urlFor(), WebSocket: NodeWebSocket, snapshotLoader: loader, lingerTime: 0 });
    t.after(() => client.close());
    client.subscribeToTask({ projectId: 'demo', taskId });
    client.subscribeToWorkflow({ executionId });
    await waitFor(() => client.getTaskState('demo', taskId)?.name !== undefined && client.getWorkflowState(executionId)?.name !== undefined, 'the snapshots');
    const task = client.getTaskState('demo', taskId)!;
    assert.equal(task.name, queued!.task);
    assert.deepEqual(task.steps.map((s) => s.id), queued!.steps.map((s: { stepId: string }) => s.stepId), 'every step of the plan, the later ones pending');
    assert.equal(task.steps.at(-1)!.status, 'pending');
    assert.equal(task.startedAt, started!.timestamp, "counted from the task's own start");
    assert.ok(!task.earlierUnknown);
    const execution = client.getWorkflowState(executionId)!;
    assert.equal(execution.name, created!.workflow);
    assert.deepEqual(execution.phases.map((p) => p.id), created!.phases.map((p: { phaseId: string }) => p.phaseId));
    assert.equal(execution.phases.at(-1)!.status, 'pending');
    assert.equal(execution.startedAt, executionStarted!.timestamp);
    await client.close();
  }
});
