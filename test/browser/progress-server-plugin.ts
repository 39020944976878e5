/**
 * A @web/test-runner plugin that runs reference progress servers on loopback for the browser
 * tests, with the test suite's fault injection (test/node/helpers/fault-server.ts), and lets a
 * test drive them through `executeServerCommand('progress', { action, ... })`. A server created
 * with `actions` takes the run actions on its own endpoints, carried out for the tests' scripted
 * runs, with every action request recorded (scripted-actions.ts).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { TestRunnerPlugin } from '@web/test-runner';
import { MemoryOutputStore, ProgressJournal } from '../../src/server/index.js';
import type { ProgressEvent } from '../../src/protocol/events.js';
import { createFaultServer, type FaultServer, type FaultServerOptions } from '../node/helpers/fault-server.js';
import { createScriptedActions, type RecordedAction, type ScriptedActions } from './scripted-actions.js';

export type ProgressCommand =
  | {
      action: 'create';
      token?: string;
      heartbeatInterval?: number;
      batchWindow?: number;
      replayBufferSize?: number;
      actions?: boolean;
      /** `false`: no output store (no line numbers, no log reads), as AInTandem today; or the store's line limit. */
      output?: false | { maxLines?: number };
    }
  | { action: 'info'; server?: string }
  | { action: 'publish'; server?: string; events: ProgressEvent[] }
  | { action: 'sendRaw'; server?: string; frames: string[] }
  | { action: 'ping'; server?: string }
  | { action: 'drop'; server?: string; abrupt?: boolean; code?: number; reason?: string }
  | { action: 'stall'; server?: string; stalled: boolean }
  | { action: 'stop'; server?: string }
  | { action: 'restart'; server?: string; fresh?: boolean }
  | { action: 'dispose'; server?: string }
  | { action: 'setToken'; server?: string; token: string }
  | { action: 'connectionTimes'; server?: string }
  | { action: 'offline'; server?: string; offline: boolean }
  | { action: 'actionRequests'; server?: string }
  | { action: 'holdActions'; server?: string; held: boolean };

interface Entry {
  server: FaultServer | undefined;
  port: number;
  options: FaultServerOptions;
  /** Date.now() of every connection accepted, across restarts. */
  connectedAt: number[];
  /** The token the server accepts now, when it checks tokens. */
  token?: string;
  /** What carries out the run actions the server takes, and the requests recorded on an HTTP server of the plugin's own that the progress server is attached to. */
  scripted?: ScriptedActions;
  http?: HttpServer;
}

export interface ServerInfo {
  id: string;
  url: string;
  port: number;
  clientCount: number;
}

export function progressServerPlugin(): TestRunnerPlugin {
  const servers = new Map<string, Entry>();
  const cdpSessions = new Map<string, unknown>();
  let next = 0;

  async function create(options: FaultServerOptions, id = `s${next++}`, token?: string, actions = false): Promise<ServerInfo> {
    // The journal outlives restarts (like a backend's database), unless a restart asks for a fresh one.
    const entry: Entry = { server: undefined, port: 0, options, connectedAt: [], token };
    entry.options = {
      ...options,
      journal: new ProgressJournal({ size: options.replayBufferSize ?? 10000 }),
      ...(token === undefined ? {} : { authenticate: (t: string | undefined) => t === entry.token }),
    };
    if (actions) {
      entry.scripted = createScriptedActions(() => entry.server);
      entry.options.actions = entry.scripted.actions;
    }
    entry.server = await start(entry, 0);
    entry.port = entry.server.port;
    servers.set(id, entry);
    return info(id);
  }
  async function start(entry: Entry, port: number): Promise<FaultServer> {
    let options: FaultServerOptions = { ...entry.options, port };
    const scripted = entry.scripted;
    if (scripted) {
      // The progress server's own reads and actions; the sockets upgrade through it.
      let progress: FaultServer | undefined;
      const http = createServer((request, response) => {
        if (progress?.handleRequest(request, response)) return;
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not found');
      });
      await new Promise<void>((resolve, reject) => {
        http.once('error', reject);
        http.listen(port, '127.0.0.1', () => resolve());
      });
      scripted.record(http);
      entry.http = http;
      options = { ...options, server: http };
      progress = await createFaultServer(options);
      progress.on('connection', () => entry.connectedAt.push(Date.now()));
      return progress;
    }
    const server = await createFaultServer(options);
    server.on('connection', () => entry.connectedAt.push(Date.now()));
    return server;
  }
  /** Closes a server, and the HTTP server of its actions. */
  async function close(entry: Entry): Promise<void> {
    await entry.server?.close();
    entry.server = undefined;
    const http = entry.http;
    entry.http = undefined;
    if (http) {
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  }
  function entry(id = 'default'): Entry {
    const e = servers.get(id);
    if (!e) throw new Error(`no progress server "${id}"`);
    return e;
  }
  function live(id?: string): FaultServer {
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
      await Promise.all([...servers.values()].map(close));
      servers.clear();
    },
    async executeCommand({ command, payload, session }) {
      if (command !== 'progress') return undefined;
      const p = payload as ProgressCommand;
      switch (p.action) {
        case 'create':
          return create(
            {
              heartbeatInterval: p.heartbeatInterval ?? 30000,
              ...(p.batchWindow === undefined ? {} : { batchWindow: p.batchWindow }),
              ...(p.replayBufferSize === undefined ? {} : { replayBufferSize: p.replayBufferSize }),
              // Made once: the store outlives restarts, as the journal does.
              ...(p.output === undefined ? {} : { output: p.output === false ? false : new MemoryOutputStore(p.output) }),
            },
            undefined,
            p.token,
            p.actions,
          );
        case 'setToken':
          entry(p.server).token = p.token;
          return true;
        case 'connectionTimes':
          return entry(p.server).connectedAt;
        case 'offline': {
          // Chromium's network emulation, for the page's traffic to this server only (the test
          // runner's own connection to the page must stay up): navigator.onLine, the online and
          // offline events, and the server's connections all follow it.
          type Cdp = { send(method: string, params?: object): Promise<unknown> };
          // Emulation belongs to the CDP session that set it: one session per page, reused.
          let cdp = cdpSessions.get(session.id) as Cdp | undefined;
          if (!cdp) {
            const page = (session.browser as unknown as { getPage(id: string): { createCDPSession(): Promise<Cdp> } }).getPage(session.id);
            cdp = await page.createCDPSession();
            cdpSessions.set(session.id, cdp);
          }
          const port = entry(p.server).port;
          await cdp.send('Network.enable');
          await cdp.send('Network.emulateNetworkConditionsByRule', {
            offline: p.offline,
            matchedNetworkConditions: p.offline
              ? [{ urlPattern: `ws://127.0.0.1:${port}/*`, latency: 0, downloadThroughput: -1, uploadThroughput: -1 }]
              : [],
          });
          await cdp.send('Network.overrideNetworkState', { offline: p.offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
          return true;
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
        case 'actionRequests': {
          const scripted = entry(p.server).scripted;
          if (!scripted) throw new Error(`progress server "${p.server ?? 'default'}" has no actions`);
          return scripted.requests satisfies RecordedAction[];
        }
        case 'holdActions':
          entry(p.server).scripted?.hold(p.held);
          return true;
        case 'stop': {
          await close(entry(p.server));
          return true;
        }
        case 'restart': {
          const e = entry(p.server);
          await close(e);
          if (p.fresh) e.options = { ...e.options, journal: new ProgressJournal({ size: e.options.replayBufferSize ?? 10000 }) };
          e.server = await start(e, e.port);
          return true;
        }
        case 'dispose': {
          const id = p.server ?? 'default';
          if (id === 'default') throw new Error('the default server lives for the whole run');
          await close(entry(id));
          servers.delete(id);
          return true;
        }
      }
    },
  };
}
