/**
 * The simulator speaks AInTandem's wire format: every event it publishes, and every frame a
 * plain socket (what AInTandem's SDK opens) receives from a real server it publishes through,
 * has the fields of AInTandem's event table with their types (its SDK's `task?: string`
 * included), and beside them only the extension fields docs/protocol.md defines. The runs are
 * played on a clock moved by hand, long enough for every kind of event the simulator makes,
 * the actions' events included.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgressServer, type ProgressServer } from '../../src/server/index.js';
import { createSimulator } from '../../src/server/simulator/index.js';
import { waitFor } from './helpers/fixtures.js';
import { ManualClock } from './helpers/manual-clock.js';
import { connect } from './helpers/raw-client.js';

// ---- the validator --------------------------------------------------------------------------

interface FieldType {
  /** What a value must be, for the failure message. */
  what: string;
  ok(value: unknown): boolean;
}

const fieldType = (what: string, ok: (value: unknown) => boolean): FieldType => ({ what, ok });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Only these keys, each of its type; `need` keys present. */
const shape = (v: unknown, need: Record<string, FieldType>, may: Record<string, FieldType> = {}): boolean =>
  isObject(v) &&
  Object.entries(need).every(([key, type]) => key in v && type.ok(v[key])) &&
  Object.entries(v).every(([key, value]) => (need[key] ?? may[key])?.ok(value) === true);

const ID = fieldType('a non-empty string', (v) => typeof v === 'string' && v !== '');
const TEXT = fieldType('a string', (v) => typeof v === 'string');
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ISO = fieldType('an ISO 8601 time', (v) => typeof v === 'string' && ISO_TIME.test(v) && !Number.isNaN(Date.parse(v)));
const PERCENT = fieldType('a number from 0 to 100', (v) => typeof v === 'number' && v >= 0 && v <= 100);
const MS = fieldType('a number of ms', (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0);
const EXIT_CODE = fieldType('an integer', (v) => Number.isInteger(v));
const COUNT = fieldType('a positive integer', (v) => Number.isInteger(v) && (v as number) > 0);
const OBJECT = fieldType('an object', isObject);
const ANY = fieldType('a JSON value', (v) => v !== undefined);
const STEP_STATUS = fieldType('a step status', (v) => ['pending', 'running', 'completed', 'failed', 'skipped'].includes(v as string));
const ARTIFACT = fieldType('{path, type, size?}', (v) => shape(v, { path: ID, type: ID }, { size: MS }));
const STEP_PLAN = fieldType('a list of {stepId?, step?}', (v) => Array.isArray(v) && v.length > 0 && v.every((s) => shape(s, {}, { stepId: ID, step: ID }) && Object.keys(s).length > 0));
const PHASE_PLAN = fieldType('a list of {phaseId, phase?}', (v) => Array.isArray(v) && v.length > 0 && v.every((p) => shape(p, { phaseId: ID }, { phase: ID })));
const TRUE = fieldType('true', (v) => v === true);
/** The line numbers the output store gives output (docs/task-log-protocol.md). */
const COL = fieldType('an integer from 0', (v) => Number.isInteger(v) && (v as number) >= 0);
const LINES = { line: COUNT, continues: TRUE, col: COL };
const CANCELLED = fieldType('"cancelled"', (v) => v === 'cancelled');

interface Row {
  /** Fields the AInTandem table gives the type: required. */
  need: Record<string, FieldType>;
  /** Fields the AInTandem table gives the type: optional. */
  may?: Record<string, FieldType>;
  /** Extension fields of docs/protocol.md (optional, never clashing with the table). */
  ours?: Record<string, FieldType>;
  /** At least one of these id fields (the container events' two spellings). */
  oneOf?: string[];
}

/** On every progress event. */
const EVENT: Row = { need: { type: ID, timestamp: ISO, projectId: ID }, ours: { seq: COUNT } };
/** On every task event: its name (AInTandem's `task?: string`) is an extension on those the table does not list it on. */
const TASK: Row = { need: { taskId: ID }, ours: { task: TEXT, startedAt: ISO } };
const WORKFLOW: Row = { need: { executionId: ID, workflowId: ID }, ours: { workflow: ID, totalPhases: COUNT, startedAt: ISO } };
const CONTAINER: Row = { need: {}, ours: { image: ID, startedAt: ISO } };

const rows = (base: Row, table: Record<string, Row>): [string, Row][] =>
  Object.entries(table).map(([type, row]) => [
    type,
    {
      need: { ...EVENT.need, ...base.need, ...row.need },
      may: { ...row.may },
      ours: { ...EVENT.ours, ...base.ours, ...row.ours },
      ...((row.oneOf ?? base.oneOf) ? { oneOf: row.oneOf ?? base.oneOf } : {}),
    },
  ]);

const containerRows = (prefix: 'container' | 'sandbox'): [string, Row][] => {
  // `sandbox_*` carry `sandboxId` (some servers send `containerId` in them).
  const ids: Row = prefix === 'container' ? { need: { containerId: ID } } : { need: {}, may: { sandboxId: ID, containerId: ID }, oneOf: ['sandboxId', 'containerId'] };
  const row = (extra: Row): Row => ({ ...ids, need: { ...ids.need, ...extra.need }, may: { ...ids.may, ...extra.may } });
  return rows(CONTAINER, {
    [`${prefix}_created`]: row({ need: {}, may: { image: ID } }),
    [`${prefix}_started`]: row({ need: {} }),
    [`${prefix}_stopped`]: row({ need: {}, may: { exitCode: EXIT_CODE } }),
    [`${prefix}_error`]: row({ need: {}, may: { error: TEXT } }),
  });
};

/** AInTandem's event table (its events and their field types), and beside it the extensions of docs/protocol.md. */
const WIRE = new Map<string, Row>([
  ...rows(TASK, {
    task_queued: { need: {}, may: { task: TEXT, input: OBJECT }, ours: { steps: STEP_PLAN } },
    task_started: { need: {}, may: { task: TEXT }, ours: { steps: STEP_PLAN } },
    step_progress: { need: { status: STEP_STATUS }, may: { stepId: ID, step: ID, message: TEXT, progress: PERCENT, output: ANY }, ours: LINES },
    output: { need: { output: TEXT }, may: { stepId: ID }, ours: LINES },
    artifact: { need: { artifact: ARTIFACT } },
    task_completed: { need: {}, may: { task: TEXT, output: ANY, duration: MS } },
    task_failed: { need: {}, may: { task: TEXT, error: TEXT, output: ANY } },
    task_cancelled: { need: {}, may: { task: TEXT } },
  }),
  ...rows(WORKFLOW, {
    workflow_execution_created: { need: {}, may: { input: OBJECT }, ours: { phases: PHASE_PLAN } },
    workflow_execution_started: { need: {}, ours: { phases: PHASE_PLAN } },
    workflow_phase_started: { need: { phaseId: ID }, may: { phase: ID } },
    workflow_phase_completed: { need: { phaseId: ID }, may: { phase: ID, output: ANY } },
    workflow_execution_completed: { need: {}, may: { output: ANY, duration: MS } },
    // A cancelled execution: `status: "cancelled"` (docs/protocol.md, "Actions on runs").
    workflow_execution_failed: { need: {}, may: { error: TEXT }, ours: { status: CANCELLED } },
    workflow_execution_paused: { need: {} },
    workflow_execution_resumed: { need: {} },
  }),
  ...containerRows('container'),
  ...containerRows('sandbox'),
]);

/** What is wrong with an event on AInTandem's wire: one line per problem, none when it is right. */
function wireProblems(event: unknown): string[] {
  if (!isObject(event)) return [`not an object: ${JSON.stringify(event)}`];
  const row = WIRE.get(event.type as string);
  if (!row) return [`unknown type ${JSON.stringify(event.type)}`];
  const problems: string[] = [];
  const say = (field: string, text: string) => problems.push(`${String(event.type)}.${field} ${text}`);
  for (const [field, type] of Object.entries(row.need)) {
    if (!(field in event)) say(field, 'is missing');
  }
  for (const [field, value] of Object.entries(event)) {
    const type = row.need[field] ?? row.may?.[field] ?? row.ours?.[field];
    if (!type) say(field, `is not a field of this event (${JSON.stringify(value)})`);
    else if (!type.ok(value)) say(field, `is ${JSON.stringify(value)}, not ${type.what}`);
  }
  if (row.oneOf && !row.oneOf.some((field) => field in event)) say(row.oneOf.join('|'), 'is missing');
  return problems;
}

test('the wire validator itself: right events pass, each kind of wrong field is named', () => {
  const at = '2030-01-01T00:00:00.000Z';
  const queued = { type: 'task_queued', timestamp: at, projectId: 'p', taskId: 't', task: 'Build', input: { a: 1 }, steps: [{ stepId: 's', step: 'S' }], seq: 3 };
  assert.deepEqual(wireProblems(queued), []);
  assert.deepEqual(wireProblems({ type: 'sandbox_stopped', timestamp: at, projectId: 'p', sandboxId: 'c', exitCode: 0, image: 'node' }), []);
  assert.deepEqual(wireProblems({ ...queued, task: { name: 'Build' } }), ['task_queued.task is {"name":"Build"}, not a string']);
  assert.deepEqual(wireProblems({ ...queued, timestamp: 1 }), ['task_queued.timestamp is 1, not an ISO 8601 time']);
  assert.deepEqual(wireProblems({ ...queued, input: 'x' }), ['task_queued.input is "x", not an object']);
  assert.deepEqual(wireProblems({ ...queued, taskId: undefined, colour: 'red' }), ['task_queued.taskId is undefined, not a non-empty string', 'task_queued.colour is not a field of this event ("red")']);
  assert.deepEqual(wireProblems({ type: 'step_progress', timestamp: at, projectId: 'p', taskId: 't', progress: 101 }), ['step_progress.status is missing', 'step_progress.progress is 101, not a number from 0 to 100']);
  assert.deepEqual(wireProblems({ type: 'sandbox_error', timestamp: at, projectId: 'p' }), ['sandbox_error.sandboxId|containerId is missing']);
  assert.deepEqual(wireProblems({ type: 'artifact', timestamp: at, projectId: 'p', taskId: 't', artifact: { path: 'a' } }), ['artifact.artifact is {"path":"a"}, not {path, type, size?}']);
  assert.deepEqual(wireProblems({ type: 'container_stopped', timestamp: at, projectId: 'p', containerId: 'c', exitCode: '1' }), ['container_stopped.exitCode is "1", not an integer']);
});

// ---- the simulator's events ------------------------------------------------------------------

/** Every event type the simulator makes. */
const SIMULATED_TYPES = [
  'task_queued', 'task_started', 'step_progress', 'output', 'artifact', 'task_completed', 'task_failed', 'task_cancelled',
  'workflow_execution_created', 'workflow_execution_started', 'workflow_phase_started', 'workflow_phase_completed',
  'workflow_execution_completed', 'workflow_execution_failed', 'workflow_execution_paused', 'workflow_execution_resumed',
  'container_created', 'container_started', 'container_stopped', 'container_error',
];
const ENDS = new Set(['task_completed', 'task_failed', 'task_cancelled', 'workflow_execution_completed', 'workflow_execution_failed', 'container_stopped', 'container_error']);

type Published = Record<string, any>;
const idOf = (e: Published): string => e.taskId ?? e.executionId ?? e.containerId ?? e.sandboxId;

test("every event the simulator publishes, and every frame a plain socket gets of them, has AInTandem's field types", async (t) => {
  const clock = new ManualClock();
  /** The events as they go on the wire (what JSON keeps of them). */
  const published: Published[] = [];
  let server: ProgressServer | undefined;
  const simulator = createSimulator(
    {
      publish(event) {
        published.push(JSON.parse(JSON.stringify(event)) as Published);
        return server!.publish(event);
      },
    },
    { clock, seed: 2718, maxConcurrent: 12 },
  );
  t.after(() => simulator.stop());
  server = await createProgressServer({ heartbeatInterval: 0, actions: simulator });
  t.after(() => server!.close());
  // No extension asked for: the frames an AInTandem SDK client gets (containers as sandbox_*).
  const socket = await connect(server.urlFor());
  t.after(() => socket.terminate());

  const runUntil = (done: () => boolean, what: string) => {
    while (!done()) if (!clock.step()) throw new Error(`the runs ended before ${what}`);
  };
  const seen = (id: string, type: string, extra: (e: Published) => boolean = () => true) => () =>
    published.some((e) => idOf(e) === id && e.type === type && extra(e));
  const ended = (ids: string[]) => () => ids.every((id) => published.some((e) => idOf(e) === id && ENDS.has(e.type)));

  // Every outcome of every kind, the background mix beside them, and every action.
  const ids = [
    ...(['completed', 'failed', 'cancelled', 'completed', 'failed', 'cancelled'] as const).map((outcome) => simulator.startTask({ outcome })),
    ...(['completed', 'failed', 'completed', 'failed', 'completed', 'failed'] as const).map((outcome) => simulator.startWorkflow({ outcome }).executionId),
    ...(['exited', 'crashed', 'error', 'error', 'error', 'error'] as const).map((outcome) => simulator.startContainer({ outcome })),
  ];
  simulator.start();
  const cancelled = simulator.startTask({ outcome: 'completed' });
  runUntil(seen(cancelled, 'step_progress', (e) => e.status === 'running'), 'a step running');
  assert.equal(simulator.cancelTask('demo', cancelled), 'accepted');
  const paused = simulator.startWorkflow({ outcome: 'completed' }).executionId;
  const stopped = simulator.startWorkflow({ outcome: 'completed' }).executionId;
  runUntil(() => seen(paused, 'workflow_phase_started')() && seen(stopped, 'workflow_phase_started')(), 'the executions under way');
  assert.equal(simulator.pauseExecution(paused), 'accepted');
  clock.advance(1000);
  assert.equal(simulator.resumeExecution(paused), 'accepted');
  assert.equal(simulator.cancelExecution(stopped), 'accepted');
  runUntil(ended([...ids, cancelled, paused, stopped]), 'every run ended');
  simulator.stop();

  const types = new Set(published.map((e) => e.type));
  assert.deepEqual(SIMULATED_TYPES.filter((type) => !types.has(type)), [], 'every kind of event was published');
  const statuses = new Set(published.filter((e) => e.type === 'step_progress').map((e) => e.status));
  assert.deepEqual([...statuses].sort(), ['completed', 'failed', 'running', 'skipped']);
  assert.ok(published.some((e) => e.type === 'workflow_execution_failed' && e.status === 'cancelled'), 'a cancelled execution');
  assert.ok(published.some((e) => e.type === 'container_started') && published.some((e) => e.type === 'container_error'), 'containers of every end');

  // The first problem of each field of each type (the same one on every run would hide the others).
  const problems = (events: Published[]) => {
    const first = new Map<string, string>();
    for (const problem of events.flatMap(wireProblems)) if (!first.has(problem.split(' ')[0]!)) first.set(problem.split(' ')[0]!, problem);
    return [...first.values()];
  };
  assert.deepEqual(problems(published), [], 'the published events');

  // The same events through a real server to a socket that asked for no extension.
  await waitFor(() => socket.frames.length >= published.length, `the ${published.length} events on the socket`, 10000);
  const frames = socket.frames as Published[];
  assert.equal(frames.length, published.length, 'one frame per event');
  assert.ok(frames.some((e) => e.type === 'sandbox_created') && !frames.some((e) => e.type.startsWith('container_')), 'containers in the orchestrator spelling');
  assert.deepEqual(problems(frames), [], 'the frames on the wire');
});
