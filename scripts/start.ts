/**
 * `npm start`: the demo page (Vite, root `demo/`) and the reference progress server with the
 * simulator, on one port. The progress sockets share Vite's HTTP server:
 * `ws://host:port/api/progress/subscribe/{projectId}` (or `/ws` for every project).
 *
 * Options: `--port <n>` (or env PORT; default 5173; 0 picks a free one), `--host <name>`
 * (default 127.0.0.1), `--seed <n>` (reproduce a run), `--speed <x>` (time runs faster).
 */
import type { Server as HttpServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, type ViteDevServer } from 'vite';
import { createProgressServer, type ProgressServer } from '../src/server/progress-server.js';
import { createSimulator, type Simulator } from '../src/server/simulator/index.js';
import { demoApi, type DemoBackend } from './demo-api.js';

const DEFAULT_PORT = 5173;

interface Settings {
  port: number;
  host: string;
  seed: number | undefined;
  speed: number;
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function readSettings(): Settings {
  let values: { port?: string; host?: string; seed?: string; speed?: string };
  try {
    ({ values } = parseArgs({
      options: { port: { type: 'string' }, host: { type: 'string' }, seed: { type: 'string' }, speed: { type: 'string' } },
    }));
  } catch (error) {
    fail(`${(error as Error).message}\nUsage: npm start -- [--port <n>] [--host <name>] [--seed <n>] [--speed <x>]`);
  }
  const portText = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) fail(`Invalid port "${portText}": give a number from 0 to 65535.`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail(`Invalid seed "${values.seed}": give an integer.`);
  const speed = Number(values.speed ?? 1);
  if (!(speed > 0)) fail(`Invalid speed "${values.speed}": give a number above 0.`);
  return { port, host: values.host ?? '127.0.0.1', seed, speed };
}

async function main(): Promise<void> {
  const settings = readSettings();
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
    const message = (error as Error).message;
    if (/already in use|EADDRINUSE/.test(message)) {
      fail(`Port ${settings.port} on ${settings.host} is already in use. Stop what uses it, or pick another port: npm start -- --port <n> (0 picks a free one).`);
    }
    fail(`Could not start the demo server: ${message}`);
  }

  // Without `server.https` in the config, Vite's server is a plain node:http one.
  const httpServer = vite.httpServer as HttpServer;
  const progress: ProgressServer = await createProgressServer({ server: httpServer, host: settings.host });
  const simulator: Simulator = createSimulator(progress, { seed: settings.seed, speed: settings.speed });
  backend = { progress, simulator };
  simulator.start();

  const origin = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${progress.port}`;
  console.log(`Demo:      ${origin}/`);
  console.log(`Progress:  ${progress.urlFor(simulator.projectId).replace(/\/progress\//, '/api/progress/')} (seed ${simulator.seed})`);
  console.log('Press Ctrl-C to stop.');

  let closing = false;
  const shutdown = async (): Promise<void> => {
    if (closing) process.exit(1); // a second Ctrl-C does not wait
    closing = true;
    console.log('\nStopping...');
    simulator.stop();
    await progress.close();
    await vite.close();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

await main();
