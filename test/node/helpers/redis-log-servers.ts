/**
 * Reference servers with their progress log and output store on one real redis-server, in the
 * test's process, each one stopped (server, log and store closed, as a process that ends) and
 * started again on the same port when the test asks. Stopped when the test ends.
 */
import type { TestContext } from 'node:test';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { createProgressServer, type ProgressServer } from '../../../src/server/index.js';
import { createRedisLog, createRedisOutputStore, type RedisOutputStore, type RedisProgressLog } from '../../../src/server/redis.js';

const quiet = { warn: () => {}, info: () => {} };

export interface RedisLogServer {
  /** The port it listens on (kept across restarts). */
  readonly port: number;
  /** The REST base: `http://127.0.0.1:{port}/api`. */
  readonly api: string;
  /** Whether it runs now. */
  readonly running: boolean;
  /** Publishes through it; while it is stopped, waits until it runs again (as a backend that retries). */
  publish(event: ProgressEvent): Promise<number>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startRedisLogServer(t: TestContext, redisUrl: string): Promise<RedisLogServer> {
  let server: ProgressServer | undefined;
  let log: RedisProgressLog | undefined;
  let output: RedisOutputStore | undefined;
  let port = 0;
  let restarted: (() => void) | undefined;
  let running = new Promise<void>((resolve) => (restarted = resolve));
  /** Publishes under way: a stop lets them end first (a chunk is never half published, then sent again). */
  const inflight = new Set<Promise<unknown>>();

  const start = async () => {
    log = await createRedisLog({ url: redisUrl, logger: quiet, checkpointInterval: 200 });
    output = await createRedisOutputStore({ url: redisUrl, logger: quiet });
    server = await createProgressServer({ port, host: '127.0.0.1', log, output, heartbeatInterval: 0 });
    port = server.port;
    restarted?.();
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    if (!closed) running = new Promise<void>((resolve) => (restarted = resolve));
    await Promise.allSettled([...inflight]);
    await s?.close();
    await output?.close();
    await log?.close();
    output = undefined;
    log = undefined;
  };
  /** Stopped for good (the test ended): publishing fails instead of waiting. */
  let closed = false;
  await start();
  t.after(async () => {
    closed = true;
    restarted?.();
    await stop();
  });

  return {
    get port() {
      return port;
    },
    get api() {
      return `http://127.0.0.1:${port}/api`;
    },
    get running() {
      return server !== undefined;
    },
    async publish(event) {
      while (!server) {
        if (closed) throw new Error('the server was stopped for good');
        await running;
      }
      const published = server.publish(event);
      inflight.add(published);
      try {
        return await published;
      } finally {
        inflight.delete(published);
      }
    },
    stop,
    start,
  };
}
