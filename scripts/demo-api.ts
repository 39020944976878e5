/**
 * The demo page's control API, as a Vite plugin:
 *
 * - `POST /api/demo/task`, `/api/demo/workflow`, `/api/demo/container`: start a run, answer its ids.
 * - `POST /api/demo/drop?outage=3000`: cut every progress socket's and stream's connection without
 *   a close, and refuse new ones for `outage` ms (default 3000, at most 30000), so that clients are
 *   seen reconnecting, over either transport. The connections are cut here, under the progress
 *   server, as a network fault would.
 * - `GET /api/demo/stats`: the open progress sockets and the simulator's runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Plugin } from 'vite';
import type { ProgressServer } from '../src/server/progress-server.js';
import { matchRoute } from '../src/server/routes.js';
import type { Simulator } from '../src/server/simulator/index.js';

export interface DemoBackend {
  progress: ProgressServer;
  simulator: Simulator;
}

const DEFAULT_OUTAGE_MS = 3000;
const MAX_OUTAGE_MS = 30000;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(JSON.stringify(body));
}

/** `backend()` is undefined until the progress server runs; the API answers 503 until then. */
export function demoApi(backend: () => DemoBackend | undefined): Plugin {
  let outageUntil = 0;
  /** The connections of the progress sockets, until they close. */
  const connections = new Set<Duplex>();

  // Registered before the progress server's listener: during an outage its sockets are refused.
  const watchUpgrade = (request: IncomingMessage, socket: Duplex): void => {
    if (!matchRoute(request.url, '/ws')) return;
    if (Date.now() < outageUntil) {
      socket.destroy();
      return;
    }
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  };
  /** A request for a progress stream (Server-Sent Events on a socket's URL): held as the sockets are. */
  const watchStream = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const stream = request.method === 'GET' && /text\/event-stream/.test(request.headers.accept ?? '') && matchRoute(request.url, '/ws');
    if (!stream) return next();
    if (Date.now() < outageUntil) {
      request.socket.destroy();
      return;
    }
    const socket = request.socket;
    connections.add(socket);
    response.once('close', () => connections.delete(socket));
    next();
  };
  const cutConnections = (): number => {
    const cut = connections.size;
    for (const socket of connections) socket.destroy();
    connections.clear();
    return cut;
  };

  const handle = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    const demo = backend();
    if (!demo) {
      sendJson(response, 503, { error: 'the progress server is not running' });
      return;
    }
    const { progress, simulator } = demo;
    const projectId = simulator.projectId;
    switch (route) {
      case 'POST /task':
        sendJson(response, 201, { projectId, taskId: simulator.startTask() });
        return;
      case 'POST /workflow':
        sendJson(response, 201, { projectId, ...simulator.startWorkflow() });
        return;
      case 'POST /container':
        sendJson(response, 201, { projectId, containerId: simulator.startContainer() });
        return;
      case 'POST /drop': {
        const asked = Number(url.searchParams.get('outage') ?? DEFAULT_OUTAGE_MS);
        const outage = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), MAX_OUTAGE_MS) : DEFAULT_OUTAGE_MS;
        outageUntil = Date.now() + outage;
        sendJson(response, 200, { dropped: cutConnections(), outage });
        return;
      }
      case 'GET /stats':
        sendJson(response, 200, {
          sockets: progress.clientCount,
          clients: progress.clients(),
          activeRuns: simulator.activeRuns,
          background: simulator.running,
          seed: simulator.seed,
          outage: Math.max(0, outageUntil - Date.now()),
        });
        return;
      default:
        next();
    }
  };

  return {
    name: 'progress-demo-api',
    configureServer(server) {
      server.httpServer?.prependListener('upgrade', watchUpgrade);
      server.middlewares.use(watchStream);
      server.middlewares.use('/api/demo', handle);
      // The reference server's snapshot and REST reads (`/api/progress/snapshot`, `/api/projects/…`),
      // which the demo's client loads late-joining views from, and the actions on runs its
      // elements send (`POST /api/projects/…/cancel`, `POST /api/workflows/executions/…/pause`).
      server.middlewares.use('/api', (request, response, next) => {
        if (!backend()?.progress.handleRequest(request, response)) next();
      });
      // The all-projects path serves Server-Sent Events streams too (the projects' paths do under /api).
      server.middlewares.use((request, response, next) => {
        if (request.url?.split('?')[0] !== '/ws' || !backend()?.progress.handleRequest(request, response)) next();
      });
    },
  };
}
