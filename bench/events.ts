/**
 * The event streams the benchmarks publish: many tasks of one project making progress at once.
 */
import type { ProgressEvent } from '../src/protocol/events.js';
import type { ProgressServer } from '../src/server/index.js';

const STEPS = 5;

/** One step_progress event of a task, `round` steps into its run. */
export function stepEvent(projectId: string, taskId: string, round: number, rounds: number, timestamp = new Date().toISOString()): ProgressEvent {
  const step = round % STEPS;
  return {
    type: 'step_progress',
    projectId,
    taskId,
    timestamp,
    stepId: `s${step}`,
    step: `Step ${step + 1}`,
    status: 'running',
    progress: Math.round((100 * (round + 1)) / (rounds + 1)),
    message: `item ${round} of ${rounds}`,
  };
}

/**
 * `rounds` progress events for each of `tasks` tasks (t0…), interleaved as concurrent tasks
 * produce them, then one task_completed per task.
 */
export function floodEvents(projectId: string, tasks: number, rounds: number): ProgressEvent[] {
  const timestamp = new Date().toISOString();
  const events: ProgressEvent[] = [];
  for (let r = 0; r < rounds; r++) for (let t = 0; t < tasks; t++) events.push(stepEvent(projectId, `t${t}`, r, rounds, timestamp));
  for (let t = 0; t < tasks; t++) events.push({ type: 'task_completed', projectId, taskId: `t${t}`, timestamp, duration: 1000 });
  return events;
}

/**
 * Publishes events in chunks, yielding to the event loop between chunks so that sockets are
 * written and batch windows can close as in a live server. Resolves with the time it took.
 */
export function publishInChunks(server: Pick<ProgressServer, 'publish'>, events: readonly ProgressEvent[], chunk = 100): Promise<{ publishMs: number; cpuMs: number }> {
  return inChunks(events.length, (i) => void server.publish(events[i]!), chunk);
}

/** Calls `fn(0)`…`fn(count - 1)`, `chunk` calls per turn of the event loop. */
export function inChunks(count: number, fn: (i: number) => void, chunk = 100): Promise<{ publishMs: number; cpuMs: number }> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  return new Promise((resolve) => {
    let i = 0;
    const step = () => {
      const end = Math.min(count, i + chunk);
      for (; i < end; i++) fn(i);
      if (i < count) {
        setImmediate(step);
        return;
      }
      const cpu = process.cpuUsage(cpu0);
      resolve({ publishMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    };
    step();
  });
}
