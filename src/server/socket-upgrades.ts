/**
 * The WebSocket side of the socket URLs: an HTTP upgrade request to
 * `{any prefix}/progress/subscribe/{projectId}` or the all-projects path is refused while the
 * server drains or past the attempt rate, else upgraded once its token (from the URL) is checked,
 * or at once with `auth=message`, when the token comes in the first frame. Every upgraded socket
 * is held until it closes, refused ones too, so that `close()` and `drain()` reach them.
 */
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { ReadAnswer } from './access.js';
import { CLOSE_UNAUTHORIZED, type Admission, type CheckedConnection } from './admission.js';
import { readClientFrame } from './frames.js';
import type { Peer } from './peer.js';
import { refuseUpgrade } from './refuse-upgrade.js';
import { matchRoute, type Route } from './routes.js';

const CLOSE_POLICY_VIOLATION = 1008;
/** How long a socket with `auth=message` may take to send its token. */
const AUTH_MESSAGE_TIMEOUT = 5000;
/** Frames an `auth=message` socket may send while its token is checked; one more closes it with 1008. */
const AUTH_QUEUE_LIMIT = 64;

/** Frames a socket sent while its token was checked, in order. */
export type QueuedFrames = readonly [RawData, boolean][];

export interface UpgradeHost {
  readonly http: HttpServer;
  /** Whether the server created the HTTP server (on a shared one, another listener may own a path). */
  readonly owned: boolean;
  /** The all-projects path. */
  readonly path: string;
  readonly maxPayload: number;
  /** Whether the server an upgrade reaches has no `authenticate` hook: then `auth=message` means nothing. */
  readonly hooked: boolean;
  readonly admission: Admission;
  /** Every upgraded socket, and every stream, until it closes. */
  readonly connections: Set<Peer>;
  draining(): boolean;
  address(request: IncomingMessage): string;
  /** A socket whose token was checked: it becomes a client, or is closed. */
  admit(ws: WebSocket, checked: CheckedConnection, queued: QueuedFrames): void;
  /** A socket that closed without having been a client (for the observer). */
  refused(ws: WebSocket, code: number): void;
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}

export class SocketUpgrades {
  readonly #host: UpgradeHost;
  readonly #wss: WebSocketServer;
  /** Upgrade requests waiting for `authenticate`. */
  readonly #pending = new Set<Duplex>();

  constructor(host: UpgradeHost) {
    this.#host = host;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: host.maxPayload,
      // Pongs are sent by hand: the server answers only what it reads.
      autoPong: false,
    });
    host.http.on('upgrade', this.#onUpgrade);
  }

  /** Draining: the requests waiting for their token check get HTTP 503. */
  refusePending(): void {
    for (const socket of this.#pending) refuseUpgrade(socket, 503, 'Service Unavailable');
    this.#pending.clear();
  }

  /** No more upgrades: the requests waiting are cut (the sockets upgraded are the server's to close). */
  stop(): void {
    this.#host.http.off('upgrade', this.#onUpgrade);
    for (const socket of this.#pending) socket.destroy();
    this.#pending.clear();
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const host = this.#host;
    const route = matchRoute(request.url, host.path);
    if (!route) {
      // On a shared server another 'upgrade' listener may own this path.
      if (!host.owned && host.http.listenerCount('upgrade') > 1) return;
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (host.draining()) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const address = host.address(request);
    const tooMany = host.admission.attempt(address, route.path);
    if (tooMany) {
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        this.#track(ws);
        ws.close(tooMany.code, tooMany.reason);
      });
      return;
    }
    if (route.authByMessage && host.hooked) {
      // The token comes in the first message, not in the URL: upgrade now, authenticate then.
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#awaitAuthMessage(ws, route, request, address));
      return;
    }
    socket.on('error', destroyOnError);
    this.#pending.add(socket);
    void host.admission.check(route, route.token, request, address).then((checked) => {
      if (!this.#pending.delete(socket) || socket.destroyed) {
        // Destroyed by close(), or by the client.
        host.admission.abandon(checked.checking);
        return;
      }
      socket.off('error', destroyOnError);
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        this.#track(ws);
        host.admit(ws, checked, []);
      });
    });
  };

  /** Holds an upgraded socket until it closes; protocol errors are followed by 'close', nothing to add. */
  #track(ws: WebSocket): void {
    const { connections } = this.#host;
    ws.on('error', () => {});
    connections.add(ws);
    ws.once('close', (code) => {
      connections.delete(ws);
      this.#host.refused(ws, code);
    });
  }

  /**
   * `auth=message`: the first frame must be `{"type":"auth","token":…}`, within AUTH_MESSAGE_TIMEOUT.
   * Frames that follow it while the token is checked are kept (up to AUTH_QUEUE_LIMIT) and
   * handled in order once the client is registered.
   */
  #awaitAuthMessage(ws: WebSocket, route: Route, request: IncomingMessage, address: string): void {
    const { admission } = this.#host;
    this.#track(ws);
    const timer = setTimeout(() => ws.close(CLOSE_UNAUTHORIZED, 'unauthorized'), AUTH_MESSAGE_TIMEOUT);
    ws.once('close', () => clearTimeout(timer));
    const queued: [RawData, boolean][] = [];
    let checking = false;
    const onMessage = (data: RawData, isBinary: boolean): void => {
      if (checking) {
        if (queued.length < AUTH_QUEUE_LIMIT) {
          queued.push([data, isBinary]);
          return;
        }
        ws.off('message', onMessage);
        ws.close(CLOSE_POLICY_VIOLATION, 'too many messages before auth');
        return;
      }
      checking = true;
      clearTimeout(timer);
      const frame = readClientFrame(data, isBinary);
      const token = frame.ok && frame.message.type === 'auth' && typeof frame.message.token === 'string' ? frame.message.token : undefined;
      const check =
        token === undefined
          ? Promise.resolve<CheckedConnection>({ route, token, address, answer: { ok: false, reason: 'refused' } as ReadAnswer, grant: false, checking: admission.begin() })
          : admission.check(route, token, request, address);
      void check.then((checked) => {
        ws.off('message', onMessage);
        if (ws.readyState !== WebSocket.OPEN) {
          admission.abandon(checked.checking);
          return;
        }
        this.#host.admit(ws, checked, queued);
      });
    };
    ws.on('message', onMessage);
  }
}
