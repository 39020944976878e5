/**
 * Starts what the settings describe: the log (in memory, or in Redis), the token check, and the
 * server, with its warnings in the JSON log. Closing closes them in the reverse order.
 */
import { ProgressJournal } from '../journal.js';
import { MemoryOutputStore } from '../memory-output-store.js';
import type { OutputStore } from '../output-store.js';
import type { ProgressLog } from '../progress-log.js';
import { createProgressServer, type ProgressServer, type ProgressServerOptions } from '../progress-server.js';
import type { ServerMetrics } from '../metrics.js';
import type { Settings } from './flags.js';
import { loggableUrl, type Fields, type JsonLog } from './json-log.js';
import { jwtAuthenticate } from './jwt-grants.js';
import { originCheck } from './origins.js';

export interface Running {
  server: ProgressServer;
  /** What the start line says: where, which log, which token check (never a secret). */
  describe(): Fields;
  /** Readiness off, no new sockets, the open ones closed with 1012 over the drain window; then closes everything. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

interface OpenedMetrics {
  observe: ServerMetrics;
  /** Serves them on their own port, when asked for; resolves with what closes it. */
  listen(): Promise<(() => Promise<void>) | undefined>;
}

/** The metrics entry, loaded (with prom-client) only when they are asked for. */
async function openMetrics(settings: Settings): Promise<OpenedMetrics | undefined> {
  const wanted = settings.metrics;
  if (wanted === undefined) return undefined;
  let entry: typeof import('../metrics.js');
  try {
    entry = await import('../metrics.js');
  } catch (error) {
    throw new Error('--metrics needs the prom-client package (15.x): npm install prom-client', { cause: error });
  }
  const observe = entry.createServerMetrics({ ...(wanted.key === undefined ? {} : { key: wanted.key }), processMetrics: true });
  return {
    observe,
    async listen() {
      if (wanted.port === undefined) return undefined;
      const listener = await observe.listen({ port: wanted.port, host: settings.host });
      return () => listener.close();
    },
  };
}

interface OpenedLog {
  log: ProgressLog;
  /** The output store shared by the instances on one Redis; undefined: the server's own, in memory. */
  output?: OutputStore;
  close(): Promise<void>;
}

async function openLog(settings: Settings, log: JsonLog): Promise<OpenedLog> {
  if (settings.redis === undefined) {
    const journal = new ProgressJournal({ size: settings.retention ?? 10000, maxEntities: settings.maxEntities ?? 10000 });
    return { log: journal, close: async () => {} };
  }
  // Loads ioredis only now.
  const { createRedisLog, createRedisOutputStore } = await import('../redis.js');
  const redisLog = await createRedisLog({
    url: settings.redis,
    ...(settings.redisPrefix === undefined ? {} : { prefix: settings.redisPrefix }),
    ...(settings.retention === undefined ? {} : { retention: settings.retention }),
    ...(settings.maxEntities === undefined ? {} : { maxEntities: settings.maxEntities }),
    logger: { warn: (msg) => log.warn(msg, { source: 'redis' }), info: (msg) => log.info(msg, { source: 'redis' }) },
  });
  // The lines of every task's output, numbered the same by every instance on this Redis.
  const output = await createRedisOutputStore({
    url: settings.redis,
    ...(settings.redisPrefix === undefined ? {} : { prefix: settings.redisPrefix }),
    logger: { warn: (msg) => log.warn(msg, { source: 'redis' }), info: (msg) => log.info(msg, { source: 'redis' }) },
  }).catch(async (error: unknown) => {
    await redisLog.close();
    throw error;
  });
  return { log: redisLog, output, close: async () => void (await Promise.all([redisLog.close(), output.close()])) };
}

/** The server's `authenticate` hook: the origin check, then the token's; none when neither is asked for. */
async function authenticateHook(settings: Settings, log: JsonLog): Promise<ProgressServerOptions['authenticate']> {
  const origins = originCheck(settings.allowedOrigins);
  const tokens = settings.auth.kind === 'jwt' ? await jwtAuthenticate(settings.auth, log) : undefined;
  if (origins === undefined && tokens === undefined) return undefined;
  return (token, request) => {
    if (origins !== undefined && !origins(request)) return false;
    return tokens === undefined ? true : tokens(token);
  };
}

function serverOptions(settings: Settings): ProgressServerOptions {
  const options: ProgressServerOptions = { port: settings.port, host: settings.host, path: settings.path };
  const limits = ['maxConnectionsPerToken', 'maxConnectionsPerAddress', 'connectionAttempts', 'maxBufferedBytes', 'maxPayload', 'heartbeatInterval', 'sseHeartbeat', 'publishKey', 'maxPublishBytes'] as const;
  for (const key of limits) if (settings[key] !== undefined) Object.assign(options, { [key]: settings[key] });
  return options;
}

function authFields(settings: Settings): Fields {
  const { auth } = settings;
  if (auth.kind === 'none') return { auth: 'none' };
  const fields: Fields =
    'secret' in auth.key ? { auth: 'jwt-hs256' } : { auth: 'jwks', jwks: loggableUrl(auth.key.jwksUrl) };
  return { ...fields, projectsClaim: auth.projectsClaim, issuer: auth.issuer, audience: auth.audience };
}

/** Starts everything; on a failure, closes what was opened and rejects. */
export async function startServer(settings: Settings, log: JsonLog): Promise<Running> {
  const authenticate = await authenticateHook(settings, log);
  const metrics = await openMetrics(settings);
  const opened = await openLog(settings, log);
  let server: ProgressServer;
  let closeMetrics: (() => Promise<void>) | undefined;
  try {
    server = await createProgressServer({
      ...serverOptions(settings),
      log: opened.log,
      output: opened.output ?? new MemoryOutputStore(),
      ...(authenticate === undefined ? {} : { authenticate }),
      ...(metrics === undefined ? {} : { observe: metrics.observe }),
      logger: { warn: (msg) => log.warn(msg, { source: 'server' }) },
    });
  } catch (error) {
    await opened.close();
    throw error;
  }
  try {
    closeMetrics = await metrics?.listen();
  } catch (error) {
    await server.close();
    await opened.close();
    throw error;
  }
  const close = async (): Promise<void> => {
    await server.close();
    await closeMetrics?.();
    await opened.close();
  };
  return {
    server,
    describe: () => ({
      url: server.urlFor(),
      projectUrl: server.urlFor('{projectId}').replace(encodeURIComponent('{projectId}'), '{projectId}'),
      log: settings.redis === undefined ? 'memory' : 'redis',
      redis: settings.redis === undefined ? undefined : loggableUrl(settings.redis),
      allowedOrigins: settings.allowedOrigins?.join(','),
      publish: settings.publishKey === undefined ? 'off' : 'POST …/progress/events',
      metrics: settings.metrics === undefined ? 'off' : settings.metrics.port === undefined ? '/metrics' : `/metrics on port ${settings.metrics.port}`,
      drainWindow: settings.drainWindow,
      ...authFields(settings),
    }),
    async drain() {
      await server.drain({ window: settings.drainWindow });
      await close();
    },
    close,
  };
}
