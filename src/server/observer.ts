/**
 * What the progress server tells an observer of what happens in it: sockets, sessions, events,
 * refusals, the log. Every method is optional; the server calls them where it happens, on its hot
 * path for some (`framesDelivered`), so an observer only counts and returns. An observer that
 * throws is not the server's concern: its exception is swallowed (see `Observed`).
 * `@aintandem/progress-elements/server/metrics` implements it with prom-client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Which socket shape: one project's (`…/progress/subscribe/{p}`), or every project's (`path`). */
export type SocketKind = 'project' | 'all';

/** How a socket that negotiated `resume=1` started. */
export type SessionOutcome =
  /** It got what it missed since its position (perhaps nothing). */
  | { resumed: true; replayed: number }
  /**
   * It resyncs from snapshots: it came without a position (`none`), or its position is of
   * another numbering (`epoch`), older than the log keeps (`gap`), or too far behind (`too_large`).
   */
  | { resumed: false; reason: 'none' | 'epoch' | 'gap' | 'too_large' };

/** What an observer may read when it is asked (a scrape), instead of being told on every change. */
export interface ServerProbe {
  /** Characters held unsent for the server's sockets, in their outboxes and socket buffers. */
  outboxBytes(): number;
  /** Sockets open now, by kind. */
  openSockets(): Record<SocketKind, number>;
  /** Server-Sent Events streams open now (counted in `openSockets()` too). Absent from probes of servers without streams. */
  openStreams?(): number;
  /** Whether the server is draining (`drain()` was called). */
  draining(): boolean;
  /** Entries in the log past what the server's tail delivered (0 for a log in memory); rejects when the log cannot be reached. */
  tailLag(): Promise<number>;
}

export interface ServerObserver {
  /** A socket became a client (its token accepted, under every limit). */
  socketOpened?(kind: SocketKind): void;
  /** A client's socket closed, with the code it closed with. */
  socketClosed?(kind: SocketKind, code: number): void;
  /** A `resume=1` socket's session frame went out. */
  sessionStarted?(outcome: SessionOutcome): void;
  /** Events were appended to the log through this server (`publish()`, `POST …/progress/events`). */
  eventsPublished?(count: number): void;
  /** Events were handed to sockets for sending (one per socket and event). */
  framesDelivered?(count: number): void;
  /** A socket was closed with 1013 for not reading fast enough (`maxBufferedBytes`). */
  shed?(): void;
  /** An upgraded socket was closed before it became a client (a refused token, a limit, draining): its close code. */
  refused?(code: number): void;
  /** How long one append to the log took, in seconds (failed ones included). */
  logAppendSeconds?(seconds: number): void;
  /** An append to the log failed: the log was unavailable. */
  logError?(): void;
  /**
   * The server hands its probe once, when it starts: what an observer reads when it is scraped.
   * What it returns is called when the server closes (an observer of several servers forgets this one).
   */
  attach?(probe: ServerProbe): (() => void) | void;
  /**
   * An observer that serves HTTP (the metrics entry's `/metrics`) answers requests to the server
   * here; false for those it leaves to others.
   */
  handleRequest?(request: IncomingMessage, response: ServerResponse): boolean;
}

type Reports = Exclude<keyof ServerObserver, 'attach' | 'handleRequest'>;

/**
 * The server's side of an observer: each report is passed on, if the observer has that method,
 * and anything it throws is swallowed, so that a broken observer breaks no socket.
 */
export class Observed {
  readonly #observer: ServerObserver | undefined;

  constructor(observer: ServerObserver | undefined) {
    this.#observer = observer;
  }

  get present(): boolean {
    return this.#observer !== undefined;
  }

  report<K extends Reports>(name: K, ...args: Parameters<NonNullable<ServerObserver[K]>>): void {
    const observer = this.#observer;
    const method = observer?.[name] as ((...a: unknown[]) => void) | undefined;
    if (!method) return;
    try {
      method.apply(observer, args);
    } catch {
      // An observer's failure is its own.
    }
  }

  /** Hands the probe over; returns what lets the observer go (never throws). */
  attach(probe: ServerProbe): () => void {
    let detach: (() => void) | void = undefined;
    try {
      detach = this.#observer?.attach?.(probe);
    } catch {
      // idem
    }
    return () => {
      try {
        detach?.();
      } catch {
        // idem
      }
    };
  }

  /** The observer's own requests; false for the others, and when it throws (then the request is answered as one it does not take). */
  handleRequest(request: IncomingMessage, response: ServerResponse): boolean {
    try {
      return this.#observer?.handleRequest?.(request, response) === true;
    } catch {
      return false;
    }
  }
}
