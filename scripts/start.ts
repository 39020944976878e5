/**
 * `npm start`: the demo page (Vite, root `demo/`) and the reference progress server with the
 * simulator, on one port. The progress sockets share Vite's HTTP server:
 * `ws://host:port/api/progress/subscribe/{projectId}` (or `/ws` for every project); the REST reads
 * and the actions on runs (`POST /api/projects/{p}/tasks/{t}/cancel`,
 * `POST /api/workflows/executions/{e}/pause|resume|cancel`, carried out by the simulator) are
 * under `/api` too.
 *
 * Options: `--port <n>` (or env PORT; default 5173; 0 picks a free one), `--host <name>`
 * (default 127.0.0.1), `--seed <n>` (reproduce a run), `--speed <x>` (time runs faster),
 * `--redis <url>` (or env PROGRESS_REDIS_URL): the progress log in that Redis, so that several
 * `npm start` processes on one Redis act as one service. Without it nothing but this process is
 * needed (the log is in memory, and ioredis is never loaded).
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, type ViteDevServer } from 'vite';
import type { ProgressLog } from '../src/server/progress-log.js';
import { createProgressServer, type ProgressServer } from '../src/server/progress-server.js';
import type { RedisProgressLog } from '../src/server/redis.js';
import { refuseUpgrade } from '../src/server/refuse-upgrade.js';
import { matchRoute } from '../src/server/routes.js';
import { createSimulator, type Simulator } from '../src/server/simulator/index.js';
import { demoApi, type DemoBackend } from './demo-api.js';

const DEFAULT_PORT = 5173;

interface Settings {
  port: number;
  host: string;
  seed: number | undefined;
  speed: number;
  /** The Redis of the progress log; undefined: the log in memory. */
  redis: string | undefined;
}

const USAGE = 'Usage: npm start -- [--port <n>] [--host <name>] [--seed <n>] [--speed <x>] [--redis <redis://host:port>]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function readSettings(): Settings {
  let values: { port?: string; host?: string; seed?: string; speed?: string; redis?: string };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, speed: { type: 'string' }, redis: { type: 'string' } },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\n${USAGE}`);
  }
  const portText = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) fail(`Invalid port "${portText}": give a number from 0 to 65535.`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail(`Invalid seed "${values.seed}": give an integer.`);
  const speed = Number(values.speed ?? 1);
  if (!(speed > 0)) fail(`Invalid speed "${values.speed}": give a number above 0.`);
  const redis = values.redis ?? (process.env.PROGRESS_REDIS_URL || undefined);
  if (redis !== undefined && !/^rediss?:\/\/[^/]/.test(redis)) fail(`Invalid Redis URL: give redis://host:port (or rediss://).\n${USAGE}`);
  return { port, host: values.host ?? '127.0.0.1', seed, speed, redis };
}

/** The progress log: in Redis when asked (loading ioredis only then), else undefined (the server's journal in memory). */
async function openLog(settings: Settings): Promise<RedisProgressLog | undefined> {
  if (settings.redis === undefined) return undefined;
  const { createRedisLog } = await import('../src/server/redis.js');
  try {
    return await createRedisLog({ url: settings.redis });
  } catch (error) {
    const message = (error as Error).message;
    fail(/cannot reach Redis/.test(message) ? `${message}\nStart Redis (7.0 or later; on Debian: apt-get install -y redis-server), or run without --redis.` : message);
  }
}

/** Vite's own socket, as its listener takes it: the HMR (or ping) protocol on its base path. */
function isViteSocket(request: IncomingMessage, base: string): boolean {
  const protocol = request.headers['sec-websocket-protocol'];
  if (protocol !== 'vite-hmr' && protocol !== 'vite-ping') return false;
  try {
    return new URL(request.url ?? '/', 'http://localhost').pathname === base;
  } catch {
    return false;
  }
}

/**
 * An upgrade that neither Vite nor the progress server takes (a path that is no endpoint, such as
 * `/ws/demo`) is answered with 404 at once. The progress server leaves such requests to the other
 * listeners of a server it shares; without this one, they would hang until the client gives up.
 */
function refuseOtherUpgrades(httpServer: HttpServer, base: string): void {
  httpServer.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    if (matchRoute(request.url, '/ws') || isViteSocket(request, base)) return;
    refuseUpgrade(socket, 404, 'Not Found');
  });
}

async function main(): Promise<void> {
  const settings = readSettings();
  const redisLog = await openLog(settings);
  let backend: DemoBackend | undefined;
  const vite: ViteDevServer = await createServer({
    configFile: false,
    root: fileURLToPath(new URL('../demo/', import.meta.url)),
    clearScreen: false,
    server: { port: settings.port, host: settings.host, strictPort: true },
    plugins: [demoApi(() => backend)],
  });

  try {
    await vite.listen();
  } catch (error) {
    await vite.close();
    await redisLog?.close();
    const message = (error as Error).message;
    if (/already in use|EADDRINUSE/.test(message)) {
      fail(`Port ${settings.port} on ${settings.host} is already in use. Stop what uses it, or pick another port: npm start -- --port <n> (0 picks a free one).`);
    }
    fail(`Could not start the demo server: ${message}`);
  }

  // Without `server.https` in the config, Vite's server is a plain node:http one.
  const httpServer = vite.httpServer as HttpServer;
  const log: ProgressLog | undefined = redisLog;
  // The simulator publishes through the server and carries out the actions the server takes
  // (the demo's Cancel, Pause and Resume); it publishes nothing before start().
  let progress: ProgressServer | undefined;
  const simulator: Simulator = createSimulator({ publish: (event) => progress!.publish(event) }, { seed: settings.seed, speed: settings.speed });
  progress = await createProgressServer({ server: httpServer, host: settings.host, actions: simulator, ...(log ? { log } : {}) });
  refuseOtherUpgrades(httpServer, vite.config.base);
  backend = { progress, simulator };
  simulator.start();

  const origin = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${progress.port}`;
  console.log(`Demo:      ${origin}/`);
  console.log(`Progress:  ${progress.urlFor(simulator.projectId).replace(/\/progress\//, '/api/progress/')} (seed ${simulator.seed})`);
  console.log(`Log:       ${redisLog ? `Redis (epoch ${redisLog.epoch})` : 'in memory'}`);
  console.log('Press Ctrl-C to stop.');

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) process.exit(1); // a second Ctrl-C does not wait
    closing = true;
    console.log('\nStopping...');
    simulator.stop();
    await progress.close();
    await redisLog?.close();
    await vite.close();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

await main();
