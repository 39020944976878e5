/**
 * The server's clients, whatever carries them: an admitted connection becomes one (its outbox, its
 * session when it resumes, its place in admission's counts, a `connection` event), its frames are
 * read (`message`, `rejected`), and it leaves when its connection closes (`disconnection`).
 */
import type { EventEmitter } from 'node:events';
import type { RawData } from 'ws';
import type { Access } from './access.js';
import type { Admission, CheckedConnection } from './admission.js';
import { CLOSE_TRY_AGAIN_LATER, type Client, type Transport } from './client.js';
import type { ContainerSpelling } from './event-frames.js';
import { heartbeatFrame, readClientFrame } from './frames.js';
import type { Observed } from './observer.js';
import { kindOf } from './operations.js';
import { Outbox, type BatchOptions, type OutboxLimits } from './outbox.js';
import { PEER_OPEN, type Peer } from './peer.js';
import type { ProgressLog } from './progress-log.js';
import type { Route } from './routes.js';
import type { ProgressClientInfo } from './server-api.js';
import type { ProgressServerOptions, SocketTerms } from './server-options.js';
import { openSession } from './session.js';

/** Bytes a socket may hold unsent before frames wait in its outbox's queue. */
const SOCKET_WINDOW = 128 * 1024;

/** The parts of the server its clients are registered with. */
export interface RegistryParts {
  readonly log: ProgressLog;
  /** Where `connection`, `disconnection`, `message` and `rejected` are emitted. */
  readonly events: EventEmitter;
  readonly admission: Admission;
  readonly observed: Observed;
  /** A client let too much pile up in its outbox (liveness.ts). */
  shed(ws: Peer): void;
}

function spellingOf(option: ProgressServerOptions['containerEvents'], route: Route): ContainerSpelling {
  if (typeof option === 'function') {
    const terms: SocketTerms = { resume: route.resume, batch: route.batch };
    if (route.projectId !== undefined) terms.projectId = route.projectId;
    return option(terms);
  }
  return option ?? (route.resume || route.batch ? 'published' : 'sandbox');
}

export class ClientRegistry {
  readonly #clients = new Map<Peer, Client>();
  readonly #log: ProgressLog;
  readonly #events: EventEmitter;
  readonly #admission: Admission;
  readonly #observed: Observed;
  readonly #shed: (ws: Peer) => void;
  readonly #hooked: boolean;
  readonly #containerEvents: ProgressServerOptions['containerEvents'];
  readonly #limits: OutboxLimits;
  readonly #maxReplayBytes: number;
  readonly #batching: BatchOptions;

  constructor(options: ProgressServerOptions, parts: RegistryParts) {
    this.#log = parts.log;
    this.#events = parts.events;
    this.#admission = parts.admission;
    this.#observed = parts.observed;
    this.#shed = parts.shed;
    this.#hooked = options.authenticate !== undefined;
    this.#containerEvents = options.containerEvents;
    const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.#limits = { maxQueued: maxBuffered, socketWindow: SOCKET_WINDOW };
    this.#maxReplayBytes = options.maxReplayBytes ?? maxBuffered * 4;
    this.#batching = {
      window: options.batchWindow ?? 16,
      maxEvents: Math.max(1, options.maxBatchEvents ?? 500),
      maxSize: options.maxBatchSize ?? 262144,
    };
  }

  get size(): number {
    return this.#clients.size;
  }

  values(): IterableIterator<Client> {
    return this.#clients.values();
  }

  /** Whether a connection is a client's (not one refused). */
  has(ws: Peer): boolean {
    return this.#clients.has(ws);
  }

  /** An admitted connection: a client of the server from now on. */
  register(ws: Peer, transport: Transport, info: ProgressClientInfo, checked: CheckedConnection): Client {
    const { route, address, grant } = checked;
    const access = (checked.answer as { access: Access }).access;
    const outbox = new Outbox(ws, route.batch ? this.#batching : undefined, this.#limits, () => this.#shed(ws));
    const projectId = route.projectId;
    const client: Client = {
      info,
      ws,
      transport,
      outbox,
      alive: true,
      resume: route.resume,
      projectId,
      spelling: spellingOf(this.#containerEvents, route),
      // Its session says its own projects' position unless it may see every one.
      scope: access.all ? undefined : projectId !== undefined ? (p) => p === projectId : (p) => access.allows(p),
      skipThrough: 0,
      isOpen: () => ws.readyState === PEER_OPEN,
      access,
      token: checked.token,
      grant,
    };
    this.#clients.set(ws, client);
    this.#admission.opened(client, address);
    if (route.resume) {
      openSession(this.#log, client, route, this.#maxReplayBytes).then((outcome) => outcome && this.#observed.report('sessionStarted', outcome), () => {
        // The log cannot be read now: the client comes back later rather than be told a gap.
        if (ws.readyState === PEER_OPEN) ws.close(CLOSE_TRY_AGAIN_LATER, 'progress log unavailable');
      });
    }
    this.#observed.report('socketOpened', kindOf(projectId));
    ws.once('close', (code) => {
      this.#observed.report('socketClosed', kindOf(projectId), code);
      client.outbox.close();
      this.#clients.delete(ws);
      this.#admission.closed(client, address);
      this.#events.emit('disconnection', info);
    });
    this.#events.emit('connection', info);
    return client;
  }

  frame(client: Client, data: RawData, isBinary: boolean): void {
    const frame = readClientFrame(data, isBinary);
    if (!frame.ok) {
      this.#events.emit('rejected', client.info, frame.reason);
      return;
    }
    // With a hook, an `auth` message after the first is not passed on: it holds a token.
    if (this.#hooked && frame.message.type === 'auth') return;
    if (frame.message.type === 'ping' && client.ws.readyState === PEER_OPEN) {
      client.outbox.control(heartbeatFrame('pong'));
    }
    this.#events.emit('message', client.info, frame.message);
  }
}
