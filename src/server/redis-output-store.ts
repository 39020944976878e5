/**
 * The output store in Redis (7.0 or later), shared by several servers: per task a stream of its
 * complete lines (entry id `0-N`: line N) capped at about `maxLines` (`XADD … MAXLEN ~`), and a
 * hash with the count of complete lines and the open line; the numbers are given by Lua scripts
 * (redis-output-scripts.ts), so every server on one Redis, and a server started again on it,
 * numbers a task's lines the same. Both keys expire `endedTtl` after the task ends, and
 * `idleTtl` after the last chunk of a task that never ends. Needs `ioredis`, loaded only here.
 */
import type { Redis } from 'ioredis';
import { failFastOptions, loadRedis, redactedUrl } from './redis-connection.js';
import type { ProgressEvent } from '../protocol/events.js';
import {
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_READ_LIMIT,
  DOWNLOAD_PAGE,
  MAX_READ_LIMIT,
  OutputUnavailableError,
  outputAction,
  plainDownload,
  withLineFields,
  type OutputLine,
  type OutputRead,
  type OutputReadOptions,
  type OutputStore,
} from './output-store.js';
import { APPEND_OUTPUT, END_OUTPUT, READ_OUTPUT } from './redis-output-scripts.js';

export interface RedisOutputStoreOptions {
  /** `redis://[[user]:password@]host:port[/db]` (or `rediss://`). */
  url: string;
  /** Prefix of the keys (`{prefix}out:{projectId}:{taskId}:l` and `:m`, ids percent-encoded). Default `progress:`. */
  prefix?: string;
  /** Lines kept per task, about (`MAXLEN ~`: Redis trims whole nodes of the stream). Default 200000. */
  maxLines?: number;
  /** UTF-8 bytes a line holds at most: a longer one is cut into several. Default 65536. */
  maxLineLength?: number;
  /** Seconds a task's log is kept after the task ended. Default 86400 (24 h). */
  endedTtl?: number;
  /** Seconds a log is kept after its last chunk while its task has not ended. Default 604800 (7 days). */
  idleTtl?: number;
  /** ms a Redis command may take before it fails (an unreachable Redis). Default 5000. */
  commandTimeout?: number;
  /** ms to wait for the first connection before `createRedisOutputStore` fails. Default 10000. */
  connectTimeout?: number;
  /** Where outages are reported (without credentials). Default `console`. */
  logger?: { warn(message: string): void; info(message: string): void };
  /** The clock of lines whose event has no valid `timestamp`. Default `Date.now`. */
  now?: () => number;
}

type ReadReply = [n: number, open: string | null, openTime: string, openStep: string, ended: number, firstKept: number, total: number, entries: [string, string[]][]];

type OutputRedis = Redis & {
  outputAppend(lines: string, meta: string, chunk: string, time: number, step: string, maxLines: number, maxLineLength: number, idleTtl: number, endedTtl: number): Promise<[number, number, number]>;
  outputEnd(lines: string, meta: string, maxLines: number, endedTtl: number): Promise<number>;
  outputRead(lines: string, meta: string, from: number, limit: number): Promise<ReadReply | null>;
};

function lineOf(id: string, fields: string[]): OutputLine {
  const line: OutputLine = { n: Number(id.slice(id.indexOf('-') + 1)), text: '', time: 0 };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    if (fields[i] === 't') line.text = value;
    else if (fields[i] === 'm') line.time = Number(value);
    else if (fields[i] === 's') line.stepId = value;
  }
  return line;
}

/** `from` of a read as the script takes it: 0 for the end. */
function fromOf(options: OutputReadOptions): number {
  const { from } = options;
  if (options.fromEnd || from === undefined || !Number.isFinite(from)) return 0;
  return from < 0 ? Math.ceil(from) : Math.max(1, Math.floor(from));
}

function limitOf(options: OutputReadOptions): number {
  const asked = options.limit ?? DEFAULT_READ_LIMIT;
  return Number.isFinite(asked) ? Math.max(0, Math.min(MAX_READ_LIMIT, Math.floor(asked))) : DEFAULT_READ_LIMIT;
}

export class RedisOutputStore implements OutputStore {
  readonly #redis: OutputRedis;
  readonly #where: string;
  readonly #prefix: string;
  readonly #maxLines: number;
  readonly #maxLineLength: number;
  readonly #endedTtl: number;
  readonly #idleTtl: number;
  readonly #logger: NonNullable<RedisOutputStoreOptions['logger']>;
  readonly #now: () => number;
  #down = false;

  constructor(redis: Redis, options: RedisOutputStoreOptions) {
    this.#redis = redis as OutputRedis;
    this.#where = redactedUrl(options.url);
    this.#prefix = `${options.prefix ?? 'progress:'}out:`;
    this.#maxLines = Math.max(1, Math.floor(options.maxLines ?? 200000));
    this.#maxLineLength = Math.max(4, Math.floor(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH));
    this.#endedTtl = Math.max(1, Math.floor(options.endedTtl ?? 86400));
    this.#idleTtl = Math.max(1, Math.floor(options.idleTtl ?? 604800));
    this.#logger = options.logger ?? { warn: (m) => console.warn(m), info: (m) => console.info(m) };
    this.#now = options.now ?? Date.now;
    redis.defineCommand('outputAppend', { numberOfKeys: 2, lua: APPEND_OUTPUT });
    redis.defineCommand('outputEnd', { numberOfKeys: 2, lua: END_OUTPUT });
    redis.defineCommand('outputRead', { numberOfKeys: 2, lua: READ_OUTPUT });
    redis.on('error', (error: Error) => {
      if (this.#down) return;
      this.#down = true;
      this.#logger.warn(`output store: Redis at ${this.#where} is unavailable (${error?.message ?? error}); output is not recorded until it is back`);
    });
    redis.on('ready', () => {
      if (!this.#down) return;
      this.#down = false;
      this.#logger.info(`output store: Redis at ${this.#where} is back`);
    });
  }

  /** The keys of a task's lines stream and meta hash. */
  keys(projectId: string, taskId: string): [lines: string, meta: string] {
    const base = `${this.#prefix}${encodeURIComponent(projectId)}:${encodeURIComponent(taskId)}`;
    return [`${base}:l`, `${base}:m`];
  }

  async numberOutput(event: ProgressEvent): Promise<ProgressEvent> {
    const action = outputAction(event, this.#now);
    if (!action) return event;
    const [lines, meta] = this.keys(action.projectId, action.taskId);
    try {
      if (action.kind === 'end') {
        await this.#redis.outputEnd(lines, meta, this.#maxLines, this.#endedTtl);
        return event;
      }
      const [line, continues, col] = await this.#redis.outputAppend(
        lines, meta, action.text, action.time, action.stepId ?? '', this.#maxLines, this.#maxLineLength, this.#idleTtl, this.#endedTtl,
      );
      return withLineFields(event, continues === 1 ? { line, continues: true, col } : { line });
    } catch (error) {
      throw this.#failure('record output', error);
    }
  }

  async read(projectId: string, taskId: string, options: OutputReadOptions = {}): Promise<OutputRead | undefined> {
    const [lines, meta] = this.keys(projectId, taskId);
    let reply: ReadReply | null;
    try {
      reply = await this.#redis.outputRead(lines, meta, fromOf(options), limitOf(options));
    } catch (error) {
      throw this.#failure('read output', error);
    }
    if (!reply) return undefined;
    const [, open, openTime, openStep, ended, firstKept, total, entries] = reply;
    const read: OutputLine[] = entries.map(([id, fields]) => lineOf(id, fields));
    if (open !== null) {
      const line: OutputLine = { n: total, text: open, time: Number(openTime) };
      if (openStep !== '') line.stepId = openStep;
      read.push(line);
    }
    return { lines: read, firstKept, total, open: total > reply[0], complete: ended === 1 };
  }

  async download(projectId: string, taskId: string): Promise<AsyncIterable<string> | undefined> {
    const page = (from: number) => this.read(projectId, taskId, { from, limit: DOWNLOAD_PAGE });
    const first = await page(1);
    return first && plainDownload(page, first);
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.#redis.disconnect();
  }

  #failure(what: string, error: unknown): OutputUnavailableError {
    return new OutputUnavailableError(`output store: cannot ${what}: Redis at ${this.#where} is unavailable (${(error as Error)?.message ?? error})`, { cause: error });
  }
}

/**
 * Connects to Redis and resolves with the store. Rejects when Redis cannot be reached within
 * `connectTimeout`, or when `ioredis` is not installed.
 */
export async function createRedisOutputStore(options: RedisOutputStoreOptions): Promise<RedisOutputStore> {
  const where = redactedUrl(options.url);
  const RedisClass = await loadRedis('createRedisOutputStore');
  const base = { ...failFastOptions({ connectTimeout: options.connectTimeout, commandTimeout: options.commandTimeout ?? 5000 }), enableAutoPipelining: true };
  const redis = new RedisClass(options.url, base);
  const quiet = () => {};
  redis.on('error', quiet);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`createRedisOutputStore: cannot reach Redis at ${where}: ${(error as Error)?.message ?? error}`, { cause: error });
  }
  const store = new RedisOutputStore(redis, options);
  redis.off('error', quiet);
  return store;
}
