/**
 * Reference servers on one Redis log, each in a child process (test/node/redis/instance.ts),
 * for the multi-server tests: start, publish through, ask, kill -9, close. Stopped when the test ends.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { exited, stop, track } from './processes.js';

const SCRIPT = fileURLToPath(new URL('../redis/instance.ts', import.meta.url));

export interface InstanceOptions {
  prefix?: string;
  retention?: number;
  /** ms a Redis command may take (a server cut off from Redis notices after this). */
  commandTimeout?: number;
  checkpointInterval?: number;
  batchWindow?: number;
  /** Tokens carry their grant (./grant-tokens.ts): the server checks them. */
  grantTokens?: boolean;
  /** `maxConnectionsPerToken`, `maxConnectionsPerAddress`, `connectionAttempts`. */
  limits?: { maxConnectionsPerToken?: number; maxConnectionsPerAddress?: number; connectionAttempts?: { burst?: number; perSecond?: number } };
}

export interface Instance {
  readonly port: number;
  /** `ws://127.0.0.1:port` */
  readonly url: string;
  /** `http://127.0.0.1:port` */
  readonly origin: string;
  /** Publishes in order; each result is the seq, or the error it was refused with. */
  publish(events: ProgressEvent[]): Promise<(number | { error: string })[]>;
  stats(): Promise<{ epoch: string; position: number; clients: number }>;
  /** `server.revoke(token)`: how many sockets it closed. */
  revoke(token: string): Promise<number>;
  /** Everything it printed. */
  output(): string;
  /** `kill -9`. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

export async function startInstance(t: TestContext, redisUrl: string, options: InstanceOptions = {}): Promise<Instance> {
  const env: NodeJS.ProcessEnv = { ...process.env, REDIS_URL: redisUrl };
  if (options.prefix !== undefined) env.LOG_PREFIX = options.prefix;
  if (options.retention !== undefined) env.LOG_RETENTION = String(options.retention);
  if (options.commandTimeout !== undefined) env.LOG_COMMAND_TIMEOUT = String(options.commandTimeout);
  if (options.checkpointInterval !== undefined) env.LOG_CHECKPOINT_INTERVAL = String(options.checkpointInterval);
  if (options.batchWindow !== undefined) env.BATCH_WINDOW = String(options.batchWindow);
  if (options.grantTokens) env.GRANT_TOKENS = '1';
  if (options.limits !== undefined) env.SERVER_LIMITS = JSON.stringify(options.limits);
  const child: ChildProcess = track(fork(SCRIPT, [], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] }), 'server instance');
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  t.after(() => stop(child));

  let next = 1;
  const waiting = new Map<number, { resolve: (reply: any) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { id?: number }) => {
    if (message.id === undefined) return;
    waiting.get(message.id)?.resolve(message);
    waiting.delete(message.id);
  });
  child.once('exit', () => {
    for (const { reject } of waiting.values()) reject(new Error('the instance is gone'));
    waiting.clear();
  });
  const ask = <T>(command: object): Promise<T> =>
    new Promise((resolve, reject) => {
      if (!child.connected) {
        reject(new Error('the instance is gone'));
        return;
      }
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.send({ id, ...command });
    });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the instance did not start:\n${text}`)), 20000);
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message.port!);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the instance exited with ${code}:\n${text}`));
    });
  });

  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    origin: `http://127.0.0.1:${port}`,
    publish: async (events) => (await ask<{ results: (number | { error: string })[] }>({ cmd: 'publish', events })).results,
    stats: () => ask({ cmd: 'stats' }),
    revoke: async (token) => (await ask<{ closed: number }>({ cmd: 'revoke', token })).closed,
    output: () => text,
    async kill() {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
    async close() {
      if (!child.connected) return;
      await ask({ cmd: 'close' });
      await exited(child);
    },
  };
}
