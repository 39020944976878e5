/**
 * Every child process the tests start (redis-server, server instances), so that a test can prove
 * none is left running.
 */
import type { ChildProcess } from 'node:child_process';

const started: { pid: number; what: string }[] = [];

/** Records a child process; returns it. */
export function track<C extends ChildProcess>(child: C, what: string): C {
  if (child.pid !== undefined) started.push({ pid: child.pid, what });
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How many were started, and those still running. */
export function startedProcesses(): { count: number; running: string[] } {
  return { count: started.length, running: started.filter((p) => alive(p.pid)).map((p) => `${p.what} (pid ${p.pid})`) };
}

/** Resolves once the child has exited (at once when it has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}
