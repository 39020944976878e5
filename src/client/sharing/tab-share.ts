/**
 * One set of sockets for every tab of a browser that shows the same server (docs/tab-sharing.md).
 * The tabs elect the one that holds the sockets with a Web Lock; the others hear its sockets over
 * a BroadcastChannel, and tell it which sockets they need. When it goes (closed, crashed, or
 * frozen and silent), the next tab in the lock's queue takes the sockets over and resumes them
 * from where every tab stands, so no tab misses or repeats an event. A client loads this code only
 * when it shares (`shareTabs`). The token never leaves the tab that opens a socket.
 */
import type { EntityQuery } from '../../protocol/entity.js';
import type { Connection } from '../connection/connection.js';
import type { ResumePosition } from '../connection/socket-url.js';
import type { EntityState } from '../../protocol/state/progress-store.js';
import { locks, type LocksLike } from './can-share.js';
import { asShareMessage, type ShareMessage } from './messages.js';
import { SharedConnection, type ShareLink } from './shared-connection.js';

/** ms between the checks of a tab that does not hold the sockets (and between presence checks of the one that does). */
const CHECK_INTERVAL = 1000;
/** ms without a word from the tab holding the sockets after which another takes them (it is frozen or gone). */
const SILENCE_LIMIT = 5000;
/** ms a tab waits for the answer to a question about an entity. */
const ASK_TIMEOUT = 1000;

export interface ShareHost {
  /** A real connection to the socket of `key`, resuming from `from`, with this tab's own token. */
  open(key: string, from: ResumePosition | undefined): Connection;
  /** The state this tab holds of an entity, for a tab that asks. */
  find(query: EntityQuery): EntityState | undefined;
  /** The socket's public URL. */
  publicUrl(key: string): string;
  onError(error: unknown): void;
}

export class TabShare implements ShareLink {
  /** This tab, as the others know it. */
  readonly tab = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  readonly #name: string;
  readonly #host: ShareHost;
  readonly #locks: LocksLike;
  readonly #channel: BroadcastChannel;
  readonly #connections = new Map<string, SharedConnection>();
  /** The sockets this tab needs. */
  readonly #needed = new Set<string>();
  /** While this tab holds the sockets: those each other tab needs. */
  readonly #others = new Map<string, Set<string>>();
  readonly #asks = new Map<number, (state: EntityState | undefined) => void>();
  #nextAsk = 0;
  #leading = false;
  #leader: string | undefined;
  #heardAt = Date.now();
  /** Ends this tab's hold of the leader lock (or its wait for it). */
  #leadEnd: AbortController | undefined;
  #releaseLead: (() => void) | undefined;
  /** Holds this tab's presence lock until close(). */
  readonly #presence = new AbortController();
  #releasePresence: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** `name`: what the tabs that share have in common (the socket URL and the share key). */
  constructor(name: string, host: ShareHost) {
    const l = locks();
    if (!l) throw new TypeError('this browser cannot share sockets between tabs (no Web Locks or BroadcastChannel)');
    this.#locks = l;
    this.#name = `aintandem-progress:${name}`;
    this.#host = host;
    this.#channel = new BroadcastChannel(this.#name);
    this.#channel.onmessage = (event: MessageEvent) => {
      const message = asShareMessage(event.data);
      if (message) this.#receive(message);
    };
    // Held for as long as this tab lives: the tab holding the sockets sees which tabs are still there.
    void l
      .request(`${this.#name}:tab:${this.tab}`, { signal: this.#presence.signal }, () => new Promise<void>((resolve) => (this.#releasePresence = resolve)))
      .catch(() => {});
    this.#queueForLead(false);
    this.post({ t: 'hello', from: this.tab });
    this.#timer = setInterval(() => this.#check(), CHECK_INTERVAL);
    // A page that goes says so at once: the tab holding the sockets learns it from a message, not
    // from its check of the presence locks, which a busy background tab's timer may run late.
    globalThis.addEventListener?.('pagehide', this.#pageHidden);
    globalThis.addEventListener?.('pageshow', this.#pageShown);
  }

  readonly #pageHidden = (): void => {
    if (this.#leading) return;
    this.post({ t: 'bye', from: this.tab });
  };

  /** Back from the back/forward cache: the tab holding the sockets learns again what this one needs. */
  readonly #pageShown = (event: Event): void => {
    if (!(event as Event & { persisted?: boolean }).persisted || this.#leading) return;
    this.post({ t: 'hello', from: this.tab });
    this.post(this.#needs());
  };

  get leading(): boolean {
    return this.#leading;
  }

  /** The shared connection of a socket (made on first use). */
  connection(key: string, from: ResumePosition | undefined): SharedConnection {
    let connection = this.#connections.get(key);
    if (!connection) {
      this.#connections.set(key, (connection = new SharedConnection(this.#host.publicUrl(key), key, this, from, this.#host.onError)));
    }
    return connection;
  }

  need(key: string, needed: boolean): void {
    if (needed === this.#needed.has(key)) return;
    if (needed) this.#needed.add(key);
    else this.#needed.delete(key);
    if (this.#leading) this.#holdWhatIsNeeded();
    else this.post(this.#needs());
  }

  /** What this tab needs, with where it stands on the sockets it waits to be caught up on. */
  #needs(): ShareMessage {
    let at: Record<string, ResumePosition> | undefined;
    for (const key of this.#needed) {
      const from = this.#connections.get(key)?.catchingFrom;
      if (from) (at ??= {})[key] = from;
    }
    return { t: 'need', from: this.tab, keys: [...this.#needed], ...(at ? { at } : {}) };
  }

  retry(key: string): void {
    if (this.#leading) this.#connections.get(key)?.reconnectReal();
    else this.post({ t: 'retry', from: this.tab, key });
  }

  post(message: ShareMessage): void {
    if (this.#closed) return;
    try {
      this.#channel.postMessage(message);
    } catch (error) {
      this.#host.onError(new Error('a message to the other tabs could not be sent', { cause: error }));
    }
  }

  open(key: string, from: ResumePosition | undefined): Connection {
    return this.#host.open(key, from);
  }

  /** The state the tab holding the sockets has of an entity (undefined when none answers in time). */
  ask(query: EntityQuery): Promise<EntityState | undefined> {
    if (this.#leading || this.#closed) return Promise.resolve(undefined);
    const id = ++this.#nextAsk;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), ASK_TIMEOUT);
      const done = (state: EntityState | undefined) => {
        clearTimeout(timer);
        this.#asks.delete(id);
        resolve(state);
      };
      this.#asks.set(id, done);
      this.post({ t: 'ask', from: this.tab, id, query });
    });
  }

  /** Leaves the share: the sockets this tab holds close, the next tab takes them over. */
  close(): void {
    if (this.#closed) return;
    this.post({ t: 'bye', from: this.tab });
    this.#closed = true;
    globalThis.removeEventListener?.('pagehide', this.#pageHidden);
    globalThis.removeEventListener?.('pageshow', this.#pageShown);
    this.#leading = false;
    this.#others.clear();
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const connection of this.#connections.values()) connection.demote();
    this.#connections.clear();
    this.#channel.onmessage = null;
    this.#channel.close();
    for (const done of [...this.#asks.values()]) done(undefined);
    this.#releaseLead?.();
    this.#leadEnd?.abort();
    this.#releasePresence?.();
    this.#presence.abort();
  }

  // ---- who holds the sockets --------------------------------------------------------------

  /** Waits for the leader lock (`steal`: takes it from a tab that is silent). */
  #queueForLead(steal: boolean): void {
    this.#leadEnd?.abort();
    const end = (this.#leadEnd = new AbortController());
    const options = steal ? { steal: true } : { signal: end.signal };
    this.#locks
      .request(`${this.#name}:leader`, options, () => {
        if (this.#closed || end.signal.aborted) return Promise.resolve();
        this.#lead();
        return new Promise<void>((resolve) => (this.#releaseLead = resolve));
      })
      .then(
        () => undefined,
        // Stolen by a tab that found this one silent (a frozen tab that wakes up), or given up.
        () => {
          if (this.#closed || end !== this.#leadEnd) return;
          this.#follow();
          this.#queueForLead(false);
        },
      );
  }

  #lead(): void {
    this.#leading = true;
    this.#leader = this.tab;
    this.#others.clear();
    this.post({ t: 'lead', from: this.tab });
    this.#holdWhatIsNeeded();
  }

  #follow(): void {
    if (!this.#leading) return;
    this.#leading = false;
    this.#releaseLead = undefined;
    this.#others.clear();
    for (const connection of this.#connections.values()) connection.demote();
    this.#heardAt = Date.now();
    this.post(this.#needs());
  }

  /** Holding the sockets: opens those some tab needs, closes the others. */
  #holdWhatIsNeeded(): void {
    // A check that was under way when the share closed opens nothing: no one would close it.
    if (this.#closed) return;
    const wanted = new Set(this.#needed);
    for (const keys of this.#others.values()) for (const key of keys) wanted.add(key);
    for (const key of wanted) this.connection(key, undefined).promote();
    for (const [key, connection] of this.#connections) if (!wanted.has(key)) connection.demote();
  }

  #check(): void {
    if (this.#leading) {
      void this.#dropGoneTabs();
      return;
    }
    const now = Date.now();
    for (const connection of this.#connections.values()) connection.checkCatchUp(now);
    const silent = now - this.#heardAt;
    if (silent >= SILENCE_LIMIT) {
      // The tab holding the sockets does not answer: frozen, or its page is gone without a word.
      this.#heardAt = Date.now();
      this.#queueForLead(true);
    } else if (silent >= CHECK_INTERVAL) {
      this.post({ t: 'poke', from: this.tab });
    }
  }

  /** Forgets the needs of tabs that are gone (their presence lock is released with them). */
  async #dropGoneTabs(): Promise<void> {
    if (this.#others.size === 0) return;
    let held: { name?: string }[];
    try {
      held = (await this.#locks.query()).held ?? [];
    } catch {
      return;
    }
    const present = new Set(held.map((lock) => lock.name));
    let changed = false;
    for (const tab of [...this.#others.keys()]) {
      if (present.has(`${this.#name}:tab:${tab}`)) continue;
      this.#others.delete(tab);
      changed = true;
    }
    if (changed && this.#leading) this.#holdWhatIsNeeded();
  }

  // ---- what the others say ----------------------------------------------------------------

  #receive(message: ShareMessage): void {
    if (this.#closed) return;
    if (this.#leading) {
      // Frames from another tab: one that held the sockets until this one took them over may
      // still send some; the shared connection keeps what this tab lacks.
      if (message.t === 'frame') this.#connections.get(message.key)?.relay(message);
      else this.#asLeader(message);
      return;
    }
    switch (message.t) {
      case 'lead':
        this.#heardAt = Date.now();
        if (message.from !== this.#leader) {
          // A new tab holds the sockets: it learns what this one needs.
          this.#leader = message.from;
          this.post(this.#needs());
        }
        break;
      case 'answer':
        this.#heardAt = Date.now();
        if (message.to === this.tab) this.#asks.get(message.id)?.(message.state);
        break;
      case 'caught':
        this.#heardAt = Date.now();
        if (message.to === this.tab) this.#connections.get(message.key)?.relay(message);
        break;
      case 'conn':
      case 'event':
      case 'frame':
      case 'resync':
      case 'reject':
        this.#heardAt = Date.now();
        this.#connections.get(message.key)?.relay(message);
        break;
      default:
        // Messages for the tab holding the sockets.
        break;
    }
  }

  #asLeader(message: ShareMessage): void {
    switch (message.t) {
      case 'hello':
      case 'poke':
        this.post({ t: 'lead', from: this.tab });
        if (message.t === 'hello') for (const connection of this.#connections.values()) this.#describe(connection);
        break;
      case 'need': {
        const before = this.#others.get(message.from);
        this.#others.set(message.from, new Set(message.keys));
        // A tab back from a reload says where it stands: a socket no tab holds yet opens from there
        // (the server replays what it missed); one open already answers from what it kept.
        const at = Object.entries(message.at ?? {}).filter(([key]) => message.keys.includes(key));
        for (const [key, from] of at) this.connection(key, from).startFrom(from);
        this.#holdWhatIsNeeded();
        // The state of what it now needs, at once.
        for (const key of message.keys) if (!before?.has(key)) this.#describe(this.#connections.get(key));
        for (const [key, from] of at) {
          const connection = this.#connections.get(key);
          if (connection) this.post({ t: 'caught', to: message.from, key, ...connection.catchUp(from) });
        }
        break;
      }
      case 'bye':
        if (this.#others.delete(message.from)) this.#holdWhatIsNeeded();
        break;
      case 'retry':
        this.#connections.get(message.key)?.reconnectReal();
        break;
      case 'ask':
        this.post({ t: 'answer', to: message.from, id: message.id, state: this.#host.find(message.query) });
        break;
      default:
        // 'lead' from another tab: it took the sockets; this tab's lock request fails and it follows.
        break;
    }
  }

  #describe(connection: SharedConnection | undefined): void {
    const state = connection?.describe();
    if (state) this.post(state);
  }
}
