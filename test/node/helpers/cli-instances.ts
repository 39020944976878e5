/**
 * `progress-server` instances as a user runs them (`node --import tsx src/server/cli/main.ts`), each
 * on a free port of its own and on one Redis: killed with `kill -9`, stopped with SIGTERM, started
 * again on the same port. Stopped when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.js';
import { exited, stop, track } from './processes.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = 'src/server/cli/main.ts';
/** Starting the command compiles it with tsx first: generous on a loaded machine. */
const START_TIMEOUT = 30_000;

export interface CliInstance {
  readonly port: number;
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  /** Everything it printed, over all its runs. */
  output(): string;
  /** Whether it is running. */
  running(): boolean;
  /** `kill -9`; resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM, as a process manager stops it; resolves with its exit code once it has exited. */
  terminate(): Promise<number | null>;
  /** Starts it again, on the same port; resolves once it listens. */
  start(): Promise<void>;
}

/** The command's flags and variables only from `args` (none of the caller's PROGRESS_* ones). */
function environment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PROGRESS_')));
}

export async function startCliInstance(t: TestContext, args: readonly string[]): Promise<CliInstance> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let text = '';
  const instance: CliInstance = {
    port,
    origin: `http://127.0.0.1:${port}`,
    output: () => text,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async kill() {
      if (!child) return;
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
    async terminate() {
      if (!child) return null;
      const running = child;
      const closed = new Promise<number | null>((resolve) => running.once('close', (code) => resolve(code)));
      if (running.exitCode === null && running.signalCode === null) running.kill('SIGTERM');
      return closed;
    },
    async start() {
      const run = track(
        spawn(process.execPath, ['--import', 'tsx', ENTRY, '--port', String(port), '--host', '127.0.0.1', ...args], {
          cwd: ROOT,
          env: environment(),
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
        `progress-server :${port}`,
      );
      child = run;
      let mine = '';
      const read = (chunk: Buffer) => {
        mine += chunk.toString();
        text += chunk.toString();
      };
      run.stdout!.on('data', read);
      run.stderr!.on('data', read);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`progress-server :${port} did not start:\n${mine}`)), START_TIMEOUT);
        const onData = () => {
          if (mine.includes('"progress server listening"')) finish();
        };
        const onExit = (code: number | null) => finish(new Error(`progress-server :${port} exited with ${code}:\n${mine}`));
        function finish(error?: Error) {
          clearTimeout(timer);
          run.stdout!.off('data', onData);
          run.off('exit', onExit);
          if (error) reject(error);
          else resolve();
        }
        run.stdout!.on('data', onData);
        run.once('exit', onExit);
        onData();
      });
    },
  };
  t.after(async () => {
    if (child) await stop(child);
  });
  await instance.start();
  return instance;
}
