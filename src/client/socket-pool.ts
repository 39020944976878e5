/**
 * The sockets of a ProgressClient: one per server URL (per project when the URL holds
 * `{projectId}`), opened for their first subscription and closed `lingerTime` after their last.
 * The position of a socket that closes is kept for the next socket to the same URL.
 */
import { Connection, type ConnectionConfig, type ConnectionLike } from './connection/connection.js';
import { projectUrl, PROJECT_PLACEHOLDER, redactUrl, type ResumePosition } from './connection/socket-url.js';
import type { ConnectionState } from '../protocol/events.js';
import type { Transport } from './connection/socket-like.js';
import { ProgressClientError } from './progress-client-error.js';

export interface PooledSocket {
  /** The socket URL, query included. */
  readonly url: string;
  /** The URL without its query (which may hold a token): safe to show, log and store. */
  readonly publicUrl: string;
  /** The project of a per-project socket. */
  readonly projectId: string | undefined;
  readonly connection: ConnectionLike;
  /** Whether it started from a kept position (so what is held for it can catch up by resume). */
  readonly resumes: boolean;
  subscriptions: number;
  linger?: ReturnType<typeof setTimeout>;
  offs: (() => void)[];
}

/** Makes the connection of a socket: its URL, its key, and where to resume from. */
export type Opener = (url: string, key: string, resumeFrom: ResumePosition | undefined) => ConnectionLike;

/** The worst of several states, in this order; `disconnected` when there are none. */
const WORST_FIRST: readonly ConnectionState[] = ['failed', 'reconnecting', 'connecting', 'disconnecting', 'connected'];

export class SocketPool {
  readonly #config: ConnectionConfig & { projectId?: string | undefined; lingerTime?: number | undefined };
  readonly #perProject: boolean;
  readonly #sockets = new Map<string, PooledSocket>();
  /** Positions by public URL, kept from a socket that closed (or from a previous page); used once. */
  readonly #kept = new Map<string, ResumePosition>();
  readonly #setUp: (socket: PooledSocket) => (() => void)[];
  readonly #open: Opener;

  /**
   * @param setUp wires a new socket's listeners; returns the functions that remove them.
   * @param open makes the connection of a socket (default: a Connection of this tab's own).
   */
  constructor(config: ConnectionConfig & { projectId?: string | undefined; lingerTime?: number | undefined }, setUp: (socket: PooledSocket) => (() => void)[], open?: Opener) {
    this.#config = config;
    this.#perProject = config.url.includes(PROJECT_PLACEHOLDER);
    this.#setUp = setUp;
    this.#open = open ?? ((url, _key, resumeFrom) => new Connection({ ...this.#config, url, ...(resumeFrom ? { resumeFrom } : {}) }));
  }

  /** The key of a socket: its project with a per-project URL, else '' (the one socket). */
  keyOf(projectId = this.#config.projectId): string {
    return this.#perProject ? (projectId ?? '') : '';
  }

  /** The URL of the socket with this key. */
  urlOfKey(key: string): string {
    return this.urlOf(key === '' ? undefined : key);
  }

  get perProject(): boolean {
    return this.#perProject;
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** The URL of a project's socket (the one socket's URL when not per project). */
  urlOf(projectId = this.#config.projectId): string {
    if (!this.#perProject) return this.#config.url;
    if (projectId === undefined) throw new ProgressClientError('project_required', 'this client opens one socket per project: give a projectId');
    return projectUrl(this.#config.url, projectId);
  }

  /** The socket of a project, when it is open or opening. */
  find(projectId?: string): PooledSocket | undefined {
    return this.#sockets.get(this.urlOf(projectId));
  }

  /** The socket of a project, opened (not yet connected) when there is none. */
  get(projectId?: string): PooledSocket {
    const url = this.urlOf(projectId);
    let socket = this.#sockets.get(url);
    if (socket) return socket;
    const publicUrl = redactUrl(url);
    const resumeFrom = this.#kept.get(publicUrl);
    this.#kept.delete(publicUrl);
    const connection = this.#open(url, this.keyOf(projectId), resumeFrom);
    socket = { url, publicUrl, projectId: this.#perProject ? projectId : undefined, connection, resumes: connection.position !== undefined, subscriptions: 0, offs: [] };
    this.#sockets.set(url, socket);
    socket.offs = this.#setUp(socket);
    return socket;
  }

  /** A subscription of the socket begins: it stays. */
  retain(socket: PooledSocket): void {
    socket.subscriptions++;
    clearTimeout(socket.linger);
    socket.linger = undefined;
  }

  /** A subscription of the socket ends: after the last, it closes once `lingerTime` has passed. */
  release(socket: PooledSocket): void {
    socket.subscriptions--;
    if (socket.subscriptions > 0 || this.#sockets.get(socket.url) !== socket) return;
    clearTimeout(socket.linger);
    socket.linger = setTimeout(() => this.drop(socket), this.#config.lingerTime ?? 1000);
  }

  /** Closes a socket no subscription needs, keeping its position for the next one to its URL. */
  drop(socket: PooledSocket): void {
    clearTimeout(socket.linger);
    socket.linger = undefined;
    if (socket.subscriptions > 0) return;
    const position = socket.connection.position;
    if (position) this.#kept.set(socket.publicUrl, position);
    socket.connection.disconnect();
    for (const off of socket.offs) off();
    this.#sockets.delete(socket.url);
  }

  /** Closes every socket; those with subscriptions stay in the pool (a new subscription or connect() reopens them). */
  disconnect(): void {
    for (const socket of [...this.#sockets.values()]) {
      clearTimeout(socket.linger);
      socket.linger = undefined;
      if (socket.subscriptions === 0) this.drop(socket);
      else socket.connection.disconnect();
    }
  }

  /** Drops every socket and forgets every position. */
  close(): void {
    for (const socket of [...this.#sockets.values()]) {
      socket.subscriptions = 0;
      this.drop(socket);
    }
    this.#kept.clear();
  }

  sockets(): IterableIterator<PooledSocket> {
    return this.#sockets.values();
  }

  /** Positions to start from, by public URL (from a previous page). */
  keep(positions: Record<string, ResumePosition>): void {
    for (const [url, position] of Object.entries(positions)) this.#kept.set(url, position);
  }

  /** Every position known, by public URL: of the sockets open, and those kept. */
  positions(): Record<string, ResumePosition> {
    const positions: Record<string, ResumePosition> = Object.fromEntries(this.#kept);
    for (const socket of this.#sockets.values()) {
      const position = socket.connection.position;
      if (position) positions[socket.publicUrl] = position;
    }
    return positions;
  }

  /**
   * With a projectId and a per-project URL: that project's socket's state. Otherwise the worst
   * state of all sockets, or `disconnected` when none.
   */
  state(projectId?: string): ConnectionState {
    if (this.#perProject && projectId !== undefined) return this.find(projectId)?.connection.state ?? 'disconnected';
    const states = new Set(Array.from(this.#sockets.values(), (s) => s.connection.state));
    return WORST_FIRST.find((s) => states.has(s)) ?? 'disconnected';
  }

  /** The counters of the sockets open, added up; `sse` while any goes over Server-Sent Events. */
  totals(): { framesReceived: number; framesRejected: number; duplicatesDropped: number; transport: Transport } {
    const totals = { framesReceived: 0, framesRejected: 0, duplicatesDropped: 0, transport: 'websocket' as Transport };
    for (const s of this.#sockets.values()) {
      const stats = s.connection.stats();
      totals.framesReceived += stats.framesReceived;
      totals.framesRejected += stats.framesRejected;
      totals.duplicatesDropped += stats.duplicatesDropped;
      if (stats.transport === 'sse') totals.transport = 'sse';
    }
    return totals;
  }
}
