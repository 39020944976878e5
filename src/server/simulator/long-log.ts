/**
 * The long task: an export that prints 200,000 lines over about a minute (500 lines every
 * 150 ms at speed 1), for seeing how a log view copes with a big log. Its chunks are made when
 * they are published, not planned up front: a plan holds only their number.
 */
import type { Random } from './random.js';
import { Timeline, type PlanOptions, type TaskBase, type TaskPlan } from './simulated-runs.js';

export const LONG_TASK_NAME = 'Export audit log';
/** Lines the long task prints. */
export const LONG_LOG_LINES = 200_000;
/** Lines per chunk. */
export const LONG_LOG_CHUNK = 500;
/** ms (at speed 1) between two chunks. */
export const LONG_LOG_EVERY = 150;

const ACTIONS = ['login', 'logout', 'task.start', 'task.cancel', 'token.refresh', 'project.update', 'file.upload'];

/** Line `n` (1-based) of the long log, with its newline. */
export function longLogLine(n: number): string {
  const id = ((n * 2654435761) >>> 0).toString(16).padStart(8, '0');
  const row = `${String(n).padStart(6, '0')}/${LONG_LOG_LINES}`;
  // Now and then a coloured warning, as a real export prints.
  if (n % 5000 === 0) return `${row} \x1b[33mWARN\x1b[0m event evt-${id} has no user; kept as system\n`;
  return `${row} exported evt-${id} ${ACTIONS[n % ACTIONS.length]} user-${n % 97}\n`;
}

/** Chunk `index` (0-based) of the long log: LONG_LOG_CHUNK lines. */
export function longLogChunk(index: number): string {
  let out = '';
  const first = index * LONG_LOG_CHUNK + 1;
  for (let n = first; n < first + LONG_LOG_CHUNK; n++) out += longLogLine(n);
  return out;
}

/** The plan of one long task: it always completes. */
export function planLongTask(random: Random, options: Omit<PlanOptions<never>, 'outcome'>): TaskPlan {
  const taskId = `task-${random.hex(6)}`;
  const base: TaskBase = { projectId: options.projectId, taskId, task: LONG_TASK_NAME };
  const steps = [{ stepId: 'export', step: 'Export events' }];
  const at = { ...base, ...steps[0]! };
  const line = new Timeline(options.speed);
  line.wait(random.between(150, 500));
  line.emit({ type: 'task_queued', ...base, input: { log: 'audit', format: 'text' }, steps });
  line.wait(random.between(600, 1500));
  line.emit({ type: 'task_started', ...base, steps }, true);
  const startedAt = line.now;
  line.emit({ type: 'step_progress', ...at, status: 'running', message: 'Exporting events', progress: 0 });
  const chunks = LONG_LOG_LINES / LONG_LOG_CHUNK;
  for (let index = 0; index < chunks; index++) {
    line.wait(LONG_LOG_EVERY);
    line.emit({ type: 'output', ...base, stepId: 'export', output: '' }, false, () => longLogChunk(index));
    if ((index + 1) % 40 === 0) line.emit({ type: 'step_progress', ...at, status: 'running', progress: Math.round(((index + 1) / chunks) * 100) });
  }
  line.wait(random.between(100, 400));
  line.emit({ type: 'step_progress', ...at, status: 'completed', progress: 100 });
  const duration = line.now - startedAt;
  line.emit({ type: 'task_completed', ...base, duration, output: { steps: 1, artifacts: 0, lines: LONG_LOG_LINES } });
  return { kind: 'task', taskId, base, outcome: 'completed', beats: line.beats };
}
