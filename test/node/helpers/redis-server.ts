/**
 * A real `redis-server` for a test, on a free loopback port, that the test can kill (`kill -9`)
 * and start again on the same port, with or without its data (AOF). Stopped when the test ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './free-port.js';
import { exited, stop, track } from './processes.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisOptions {
  /** Keep an AOF written on every command (`appendonly yes`, `appendfsync always`): a restart keeps the data. */
  aof?: boolean;
  /** Require this password (`requirepass`). */
  password?: string;
}

export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:port` (with the password when there is one). */
  readonly url: string;
  /** Sends one command (through ioredis) and resolves with its reply. */
  command(...args: (string | number)[]): Promise<unknown>;
  /** `kill -9`: gone at once, without writing anything more. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with what its directory holds (nothing without AOF). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a Redis answers PING on the port (any answer, NOAUTH included, means it is up). */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.once('data', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export async function startRedis(t: TestContext, options: RedisOptions = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'progress-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no'];
  args.push(...(options.aof ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  if (options.password !== undefined) args.push('--requirepass', options.password);
  let child: ChildProcess | undefined;

  const redis: TestRedis = {
    port,
    url: options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${encodeURIComponent(options.password)}@127.0.0.1:${port}`,
    async command(...command) {
      const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      try {
        await client.connect();
        return await client.call(String(command[0]), ...command.slice(1));
      } finally {
        client.disconnect();
      }
    },
    async kill() {
      if (!child) return;
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
      child = undefined;
    },
    async start() {
      const next = track(spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] }), `redis-server :${port}`);
      let stderr = '';
      next.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child = next;
      for (const end = Date.now() + 10000; ; ) {
        if (next.exitCode !== null) throw new Error(`redis-server exited with ${next.exitCode}: ${stderr}`);
        if (await answers(port)) return;
        if (Date.now() > end) throw new Error(`redis-server on ${port} did not answer: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      if (child) await stop(child);
      child = undefined;
    },
  };
  t.after(async () => {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await redis.start();
  return redis;
}
