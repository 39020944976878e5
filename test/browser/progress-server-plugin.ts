/**
 * A @web/test-runner plugin that runs reference progress servers on loopback for the browser
 * tests, and lets a test drive them through `executeServerCommand('progress', { action, ... })`.
 */
import type { TestRunnerPlugin } from '@web/test-runner';
import { createProgressServer, ProgressJournal, type ProgressServer, type ProgressServerOptions } from '../../src/server/index.js';
import type { ProgressEvent } from '../../src/client/events.js';

export type ProgressCommand =
  | { action: 'create'; token?: string; heartbeatInterval?: number; batchWindow?: number; replayBufferSize?: number }
  | { action: 'info'; server?: string }
  | { action: 'publish'; server?: string; events: ProgressEvent[] }
  | { action: 'sendRaw'; server?: string; frames: string[] }
  | { action: 'ping'; server?: string }
  | { action: 'drop'; server?: string; abrupt?: boolean; code?: number; reason?: string }
  | { action: 'stall'; server?: string; stalled: boolean }
  | { action: 'stop'; server?: string }
  | { action: 'restart'; server?: string; fresh?: boolean }
  | { action: 'dispose'; server?: string };

interface Entry {
  server: ProgressServer | undefined;
  port: number;
  options: ProgressServerOptions;
}

export interface ServerInfo {
  id: string;
  url: string;
  port: number;
  clientCount: number;
}

export function progressServerPlugin(): TestRunnerPlugin {
  const servers = new Map<string, Entry>();
  let next = 0;

  async function create(options: ProgressServerOptions, id = `s${next++}`): Promise<ServerInfo> {
    // The journal outlives restarts (like a backend's database), unless a restart asks for a fresh one.
    options = { ...options, journal: new ProgressJournal({ size: options.replayBufferSize ?? 10000 }) };
    const server = await createProgressServer(options);
    servers.set(id, { server, port: server.port, options });
    return info(id);
  }
  function entry(id = 'default'): Entry {
    const e = servers.get(id);
    if (!e) throw new Error(`no progress server "${id}"`);
    return e;
  }
  function live(id?: string): ProgressServer {
    const server = entry(id).server;
    if (!server) throw new Error(`progress server "${id ?? 'default'}" is stopped`);
    return server;
  }
  function info(id: string): ServerInfo {
    const e = entry(id);
    return { id, url: `ws://127.0.0.1:${e.port}`, port: e.port, clientCount: e.server?.clientCount ?? 0 };
  }

  return {
    name: 'progress-server',
    async serverStart() {
      await create({}, 'default');
    },
    async serverStop() {
      await Promise.all([...servers.values()].map((e) => e.server?.close()));
      servers.clear();
    },
    async executeCommand({ command, payload }) {
      if (command !== 'progress') return undefined;
      const p = payload as ProgressCommand;
      switch (p.action) {
        case 'create': {
          const token = p.token;
          return create({
            heartbeatInterval: p.heartbeatInterval ?? 30000,
            ...(p.batchWindow === undefined ? {} : { batchWindow: p.batchWindow }),
            ...(p.replayBufferSize === undefined ? {} : { replayBufferSize: p.replayBufferSize }),
            ...(token ? { authenticate: (t: string | undefined) => t === token } : {}),
          });
        }
        case 'info':
          return info(p.server ?? 'default');
        case 'publish': {
          const server = live(p.server);
          let sent = 0;
          for (const event of p.events) sent += server.publish(event);
          return sent;
        }
        case 'sendRaw': {
          const server = live(p.server);
          let sent = 0;
          for (const frame of p.frames) sent += server.sendRaw(frame);
          return sent;
        }
        case 'ping':
          return live(p.server).ping();
        case 'drop':
          return live(p.server).dropConnections({ abrupt: p.abrupt, code: p.code, reason: p.reason });
        case 'stall':
          live(p.server).stall(p.stalled);
          return true;
        case 'stop': {
          const e = entry(p.server);
          await e.server?.close();
          e.server = undefined;
          return true;
        }
        case 'restart': {
          const e = entry(p.server);
          await e.server?.close();
          if (p.fresh) e.options = { ...e.options, journal: new ProgressJournal({ size: e.options.replayBufferSize ?? 10000 }) };
          e.server = await createProgressServer({ ...e.options, port: e.port });
          return true;
        }
        case 'dispose': {
          const id = p.server ?? 'default';
          if (id === 'default') throw new Error('the default server lives for the whole run');
          await entry(id).server?.close();
          servers.delete(id);
          return true;
        }
      }
    },
  };
}
