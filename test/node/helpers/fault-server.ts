/**
 * The reference server with fault injection, for the tests (Node and browser) and nothing else:
 * unvalidated events outside the sequence, raw frames, cut connections and a stall (a half-open
 * connection as seen from the client), on top of a production server that knows none of it: the
 * faults are done to its clients' connections (./served-connections.ts), whose sends a stall
 * holds.
 */
import { heartbeatFrame } from '../../../src/server/frames.js';
import { checkEvent } from '../../../src/server/frames.js';
import { ProgressJournal } from '../../../src/server/journal.js';
import type { ClientMessage, ProgressClientInfo, ProgressServer, ProgressServerOptions } from '../../../src/server/progress-server.js';
import { PEER_OPEN, type Peer } from '../../../src/server/peer.js';
import type { ProgressEvent } from '../../../src/protocol/events.js';
import type { ProgressLog } from '../../../src/server/progress-log.js';
import type { StreamClock } from '../../../src/server/sse-peer.js';
import { servedConnections, startServed, type ServedConnection } from './served-connections.js';

export interface FaultServerOptions extends ProgressServerOptions {
  /**
   * false: `publish()` sends events as given, unnumbered and outside the log (a server without
   * sequence numbers, or one that sends what clients must reject). Default true.
   */
  validate?: boolean;
  /**
   * The timers the server's heartbeats (the sockets' pings, the streams' comments) and its
   * shedding run on; a ManualClock (./manual-clock.ts) moves them by hand. Default: the process's.
   */
  clock?: StreamClock;
}

export interface DropOptions {
  /** Cut the TCP connection without a close frame. */
  abrupt?: boolean;
  /** Close code for a clean drop; default 1012. */
  code?: number;
  /** Close reason for a clean drop; default `server restarting`. */
  reason?: string;
}

export interface FaultServer {
  /** The production server underneath. */
  readonly server: ProgressServer;
  readonly url: string;
  readonly port: number;
  urlFor(projectId?: string): string;
  readonly log: ProgressLog;
  /** The log, when it is a journal (in memory): its epoch, numbers and states. */
  readonly journal: ProgressJournal;
  /**
   * Publishes through the server's log (at once, with the journal) and returns how many of this
   * server's sockets the event was sent to (held ones count). Throws a TypeError when it is invalid.
   */
  publish(event: ProgressEvent): number;
  clients(): ProgressClientInfo[];
  readonly clientCount: number;
  /** Send any frame as is (binary for a Uint8Array), to every client or those `filter` accepts. */
  sendRaw(frame: string | Uint8Array, filter?: (client: ProgressClientInfo) => boolean): number;
  /** Send the JSON heartbeat `{"type":"ping","timestamp":ISO}` to every client (none while stalled). */
  ping(): number;
  /** Drop every client: cleanly with a close frame, or abruptly. Returns how many were dropped. */
  dropConnections(options?: DropOptions): number;
  /**
   * While stalled the server reads nothing (no pong answers), terminates no one, and holds what it
   * would send (events, raw frames) until it is no longer stalled, when the held frames go out in
   * order to the sockets still open: to a client it looks like a half-open connection. A socket
   * that connects meanwhile gets its session frame and replay, then nothing more.
   */
  stall(stalled: boolean): void;
  on(event: 'connection' | 'disconnection', listener: (client: ProgressClientInfo) => void): this;
  on(event: 'message', listener: (client: ProgressClientInfo, message: ClientMessage) => void): this;
  on(event: 'rejected', listener: (client: ProgressClientInfo, reason: string) => void): this;
  off(event: 'connection' | 'disconnection' | 'message' | 'rejected', listener: (...args: any[]) => void): this;
  handleRequest: ProgressServer['handleRequest'];
  revoke: ProgressServer['revoke'];
  close(): Promise<void>;
}

const isOpen = (socket: ServedConnection) => socket.ws.readyState === PEER_OPEN;

/** A session frame, as the server writes it: what a socket that connects while stalled is still sent, with its replay. */
const isSessionFrame = (frame: unknown) => typeof frame === 'string' && frame.startsWith('{"type":"session"');

/**
 * Holds what the server sends a connection, in order, until `release()`: its `send` (and a
 * stream's `sendEvent`) are replaced on the instance, and the connection is not read. `opening`:
 * a connection that has not had its session frame yet gets it, and the replay written with it.
 */
class Freeze {
  readonly #ws: Peer;
  readonly #sends: (() => void)[] = [];
  #through = false;

  constructor(ws: Peer, opening: boolean) {
    this.#ws = ws;
    const send = ws.send;
    const sendEvent = ws.sendEvent;
    const hold = (frame: unknown, deliver: () => void) => {
      if (opening && isSessionFrame(frame)) {
        // The session frame and the replay written with it, in the same turn, go out.
        opening = false;
        this.#through = true;
        queueMicrotask(() => (this.#through = false));
      }
      if (this.#through) deliver();
      else this.#sends.push(deliver);
    };
    const held: Pick<Peer, 'send' | 'sendEvent'> = {
      send: (frame, callback) => hold(frame, () => send.call(ws, frame, callback)),
    };
    if (sendEvent) held.sendEvent = (frame, seq, callback) => hold(frame, () => sendEvent.call(ws, frame, seq, callback));
    Object.assign(ws, held);
    ws.pause();
  }

  /** Reads the connection again, without sending what was held (the server closes). */
  thaw(): void {
    this.#ws.resume();
  }

  /** Sends as before, and what was held first, in order. */
  release(): void {
    const ws = this.#ws as Partial<Pick<Peer, 'send' | 'sendEvent'>>;
    delete ws.send;
    delete ws.sendEvent;
    this.#ws.resume();
    for (const deliver of this.#sends) deliver();
    this.#sends.length = 0;
  }
}

export async function createFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const { validate = true, clock, ...serverOptions } = options;
  const server = await startServed(serverOptions, clock ? { clock } : {});
  let stalled = false;
  const frozen = new Map<Peer, Freeze>();

  const sockets = (filter?: (client: ProgressClientInfo) => boolean): ServedConnection[] =>
    servedConnections(server).filter((socket) => isOpen(socket) && (!filter || filter(socket.info)));
  const inProject = (projectId: unknown) => (client: ProgressClientInfo) => client.projectId === undefined || client.projectId === projectId;
  const freeze = ({ ws }: ServedConnection, opening: boolean) => {
    if (frozen.has(ws)) return;
    frozen.set(ws, new Freeze(ws, opening));
    ws.once('close', () => frozen.delete(ws));
  };

  // A socket that connects while stalled is held and left unread, like the others.
  server.on('connection', (info) => {
    if (!stalled) return;
    for (const socket of servedConnections(server)) if (socket.info === info) freeze(socket, true);
  });

  const fault: FaultServer = {
    server,
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    urlFor: (projectId) => server.urlFor(projectId),
    get log() {
      return server.log;
    },
    get journal() {
      if (!(server.log instanceof ProgressJournal)) throw new TypeError('this server runs on a log that is not a journal');
      return server.log;
    },
    publish(event) {
      if (!validate) return fault.sendRaw(JSON.stringify(event), inProject((event as { projectId?: unknown }).projectId));
      const { event: normalised } = checkEvent(event);
      void server.publish(event);
      return sockets(inProject(normalised.projectId)).length;
    },
    clients: () => server.clients(),
    get clientCount() {
      return server.clientCount;
    },
    sendRaw(frame, filter) {
      const targets = sockets(filter);
      for (const socket of targets) socket.ws.send(frame);
      return targets.length;
    },
    ping() {
      return stalled ? 0 : fault.sendRaw(heartbeatFrame('ping'));
    },
    dropConnections(drop = {}) {
      const targets = servedConnections(server);
      for (const { ws } of targets) {
        if (drop.abrupt) ws.terminate();
        else ws.close(drop.code ?? 1012, drop.reason ?? 'server restarting');
      }
      return targets.length;
    },
    stall(next) {
      if (next === stalled) return;
      stalled = next;
      if (next) {
        for (const socket of servedConnections(server)) freeze(socket, false);
        return;
      }
      const thawing = [...frozen.values()];
      frozen.clear();
      for (const freezing of thawing) freezing.release();
    },
    on(event: string, listener: (...args: any[]) => void) {
      server.on(event as 'connection', listener);
      return fault;
    },
    off(event, listener) {
      server.off(event as 'connection', listener);
      return fault;
    },
    handleRequest: (request, response) => server.handleRequest(request, response),
    revoke: (which) => server.revoke(which),
    async close() {
      // Read again, so that the clients' answers to the close frames are seen; what was held is dropped.
      for (const freezing of frozen.values()) freezing.thaw();
      await server.close();
    },
  };
  return fault;
}
