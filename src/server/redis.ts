/**
 * `@aintandem/progress-elements/server/redis`: the progress log on a Redis stream (Redis 7.0 or
 * later), so that several reference servers behind an ordinary load balancer serve the same
 * events in the same order and a client resumes on any of them. Needs `ioredis` (an optional peer
 * dependency), loaded only here.
 *
 * ```ts
 * const log = await createRedisLog({ url: 'redis://127.0.0.1:6379' });
 * const server = await createProgressServer({ port: 9900, log });
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { failFastOptions, loadRedis, redactedUrl } from './redis-connection.js';
import type { ProgressLog } from './progress-log.js';
import { RedisLog, type CommandRedis, type RedisLogLogger } from './redis-log.js';
import { APPEND, CHECK, CHECKPOINT, PRUNE, SWITCH } from './redis-scripts.js';

export type { RedisLogLogger } from './redis-log.js';
export { createRedisOutputStore } from './redis-output-store.js';
export type { RedisOutputStore, RedisOutputStoreOptions } from './redis-output-store.js';

export interface RedisLogOptions {
  /** `redis://[[user]:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Prefix of the log's keys, so that several logs share one Redis. Default `progress:`. */
  prefix?: string;
  /**
   * Entries kept in the stream (`XADD … MAXLEN ~ retention`), the replay buffer of every server:
   * a client whose position is older than the first one kept resyncs. Default 100000.
   */
  retention?: number;
  /** Entities whose states are kept for snapshots. Default 10000. */
  maxEntities?: number;
  /** ms between two writes of the changed states to Redis. Default 2000. */
  checkpointInterval?: number;
  /** ms a Redis command may take before it fails (an unreachable Redis). Default 5000. */
  commandTimeout?: number;
  /** ms to wait for the first connection before `createRedisLog` fails. Default 10000. */
  connectTimeout?: number;
  /** Where outages and epoch changes are reported. Default `console`. */
  logger?: RedisLogLogger;
}

/** A progress log in Redis; close it after the servers that use it. */
export interface RedisProgressLog extends ProgressLog {
  /** false while Redis cannot be reached (a server's `/readyz` then answers 503). */
  readonly available: boolean;
  /** Entries in the stream past what this log's tail delivered (asks Redis for the stream's head). */
  lag(): Promise<number>;
  /** Stops reading, writes the states one last time, and closes the connections. */
  close(): Promise<void>;
}

function defineScripts(redis: Redis): void {
  redis.defineCommand('progressCheck', { numberOfKeys: 2, lua: CHECK });
  redis.defineCommand('progressAppend', { numberOfKeys: 2, lua: APPEND });
  redis.defineCommand('progressSwitch', { numberOfKeys: 2, lua: SWITCH });
  redis.defineCommand('progressCheckpoint', { numberOfKeys: 3, lua: CHECKPOINT });
  redis.defineCommand('progressPrune', { numberOfKeys: 2, lua: PRUNE });
}

/**
 * Connects to Redis and resolves with the log once the epoch is known (created when the stream
 * has none). Rejects when Redis cannot be reached within `connectTimeout`, or when `ioredis` is
 * not installed.
 */
export async function createRedisLog(options: RedisLogOptions): Promise<RedisProgressLog> {
  const where = redactedUrl(options.url);
  const RedisClass = await loadRedis('createRedisLog');
  const commandTimeout = options.commandTimeout ?? 5000;
  // Commands fail at once while Redis is away: publish says so.
  const base = failFastOptions({ connectTimeout: options.connectTimeout, commandTimeout });
  const commands = new RedisClass(options.url, { ...base, enableAutoPipelining: true }) as unknown as CommandRedis;
  // The tail blocks on its own connection (XREAD BLOCK), longer than other commands may take.
  const reader = new RedisClass(options.url, { ...base, commandTimeout: commandTimeout + 2000 });
  defineScripts(commands);
  const quiet = () => {};
  commands.on('error', quiet);
  reader.on('error', quiet);
  try {
    await Promise.all([commands.connect(), reader.connect()]);
    const described = await commands.progressCheck(`${options.prefix ?? 'progress:'}meta`, `${options.prefix ?? 'progress:'}stream`, randomUUID().slice(0, 8));
    const log = new RedisLog(
      commands,
      reader,
      {
        where,
        prefix: options.prefix ?? 'progress:',
        retention: Math.max(1, options.retention ?? 100000),
        maxEntities: options.maxEntities ?? 10000,
        checkpointInterval: Math.max(50, options.checkpointInterval ?? 2000),
        commandTimeout,
        logger: options.logger ?? { warn: (m) => console.warn(m), info: (m) => console.info(m) },
      },
      described,
    );
    commands.off('error', quiet);
    reader.off('error', quiet);
    return log;
  } catch (error) {
    commands.disconnect();
    reader.disconnect();
    throw new Error(`createRedisLog: cannot reach Redis at ${where}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
}
