/** Runs `scripts/start.ts` (what `npm start` runs) as a child process, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface StartScript {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code once it has exited and all it printed has been read. */
  exited: Promise<number | null>;
}

/**
 * @param nodeArgs options for node before the script (e.g. `--import` of a hook)
 */
export function runStartScript(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []): StartScript {
  const { PORT: _, PROGRESS_REDIS_URL: __, ...inherited } = process.env;
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'scripts/start.ts', ...args], {
    cwd: ROOT,
    env: { ...inherited, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // 'close', not 'exit': by then stdout and stderr are drained, so output() is complete.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** Resolves with the demo's URL once it is printed; rejects when the script exits first. */
export async function demoUrl(script: StartScript, timeoutMs = 30000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const match = /Demo:\s+(http:\/\/\S+)/.exec(script.output());
    if (match) return match[1]!;
    if (script.child.exitCode !== null) throw new Error(`start script exited with ${script.child.exitCode}:\n${script.output()}`);
    if (Date.now() > end) throw new Error(`no URL printed within ${timeoutMs} ms:\n${script.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends Ctrl-C's signal and resolves with the exit code; kills it when it takes too long. */
export async function interrupt(script: StartScript, timeoutMs = 10000): Promise<number | null> {
  if (script.child.exitCode !== null) return script.child.exitCode;
  script.child.kill('SIGINT');
  const timer = setTimeout(() => script.child.kill('SIGKILL'), timeoutMs);
  const code = await script.exited;
  clearTimeout(timer);
  return code;
}
