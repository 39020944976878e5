/** Shared fixtures for the client's Node tests: a reference server per test, event builders, waiting. */
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import { createProgressServer } from '../../../src/server/index.js';
import { createFaultServer, type FaultServer, type FaultServerOptions } from './fault-server.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import { ProgressClient, type ConnectionEvent, type ProgressClientConfig, type ResyncReason } from '../../../src/client/index.js';
import type { WebSocketConstructor } from '../../../src/client/websocket-manager.js';
import type { StorageLike } from '../../../src/client/persistence.js';
import { until } from '../../shared/until.js';

/** `ws`'s WebSocket as the client's constructor option: it fits the option's type as it is (typecheck checks this). */
export const NodeWebSocket: WebSocketConstructor = WebSocket;

/**
 * A reference server on loopback with fault injection (./fault-server.ts), its protocol heartbeat
 * off unless a test asks for it; closed when the test ends.
 */
export async function startServer(t: TestContext, options: FaultServerOptions = {}): Promise<FaultServer> {
  const server = await createFaultServer({ heartbeatInterval: 0, ...options });
  t.after(() => server.close());
  return server;
}

/** A ws:// URL on which nothing listens (connections are refused at once). */
export async function deadUrl(): Promise<string> {
  const server = await createProgressServer();
  const url = server.urlFor();
  await server.close();
  return url;
}

/** Waits until `check` holds (the tests' one polling helper, checking every 5 ms). */
export const waitFor = (check: () => boolean | Promise<boolean>, what: string, timeout = 5000): Promise<void> => until(check, what, timeout, 5);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const now = () => new Date().toISOString();

export const task = {
  queued: (projectId: string, taskId: string): ProgressEvent => ({ type: 'task_queued', projectId, taskId, timestamp: now() }),
  started: (projectId: string, taskId: string): ProgressEvent => ({ type: 'task_started', projectId, taskId, timestamp: now() }),
  step: (projectId: string, taskId: string, step: string, status: 'running' | 'completed' | 'failed' | 'skipped' | 'pending', progress?: number): ProgressEvent => ({
    type: 'step_progress', projectId, taskId, timestamp: now(), step, stepId: step, status, ...(progress === undefined ? {} : { progress }),
  }),
  output: (projectId: string, taskId: string, output: string): ProgressEvent => ({ type: 'output', projectId, taskId, timestamp: now(), output }),
  completed: (projectId: string, taskId: string): ProgressEvent => ({ type: 'task_completed', projectId, taskId, timestamp: now() }),
  failed: (projectId: string, taskId: string, error: string): ProgressEvent => ({ type: 'task_failed', projectId, taskId, timestamp: now(), error }),
};

export const workflow = (type: string, projectId: string, workflowId: string, executionId: string, extra: object = {}): ProgressEvent =>
  ({ type, projectId, workflowId, executionId, timestamp: now(), ...extra }) as ProgressEvent;

export const container = (type: string, projectId: string, containerId: string, extra: object = {}): ProgressEvent =>
  ({ type, projectId, containerId, timestamp: now(), ...extra }) as ProgressEvent;

/** Timers, sockets and other handles Node holds open, by kind (for leak checks). */
export function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** A `sessionStorage` stand-in for persistence tests. */
export class MemoryStorage implements StorageLike {
  readonly map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

/**
 * A client following every project its socket may see (quick reconnects, closed after the test):
 * the events it received, its resyncs and its connection events.
 */
export function followAllProjects(t: TestContext, config: Partial<ProgressClientConfig> & { url: string }) {
  const client = new ProgressClient({ WebSocket: NodeWebSocket, reconnectDelay: 20, maxReconnectDelay: 100, lingerTime: 0, ...config });
  t.after(() => client.close());
  const events: ProgressEvent[] = [];
  const reasons: ResyncReason[] = [];
  const connection: ConnectionEvent[] = [];
  client.onResync((reason) => reasons.push(reason));
  client.onConnectionState((event) => connection.push(event));
  const subscription = client.subscribeToProgress({ onEvent: (event) => events.push(event) });
  return { client, events, reasons, connection, ready: subscription.ready };
}
