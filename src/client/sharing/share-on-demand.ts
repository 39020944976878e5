/**
 * The tab share of a client made with `shareTabs`, its code (tab-share.ts and what it uses) loaded
 * when the client is made, and only then: a page that does not share never ships it. Until it is
 * there, the client's sockets wait for it.
 */
import type { SnapshotLoader } from '../snapshots.js';
import type { ShareHost, TabShare } from './tab-share.js';

export class ShareOnDemand {
  /** The share, once its code is there (never, when it could not load or the client closed first). */
  #share: TabShare | undefined;
  /** Brings the share, or undefined: then each socket is this tab's own. */
  readonly loaded: Promise<TabShare | undefined>;
  #failed = false;
  #closed = false;

  /** `name`: what the tabs that share have in common (the socket URL and the share key). */
  constructor(name: string, host: ShareHost) {
    this.loaded = import('./tab-share.js').then(
      ({ TabShare }) => (this.#closed ? undefined : (this.#share = new TabShare(name, host))),
      (error: unknown) => {
        this.#failed = true;
        host.onError(new Error('the tab share could not be loaded', { cause: error }));
        return undefined;
      },
    );
  }

  /** The share, once its code is there and until the client closes. */
  get current(): TabShare | undefined {
    return this.#closed ? undefined : this.#share;
  }

  /** Whether this tab holds the shared sockets, hears them through the tab that does, or has its own (the share could not load). */
  get tabs(): 'own' | 'holding' | 'following' {
    return this.#failed ? 'own' : this.#share?.leading ? 'holding' : 'following';
  }

  /** A loader that asks the tab holding the shared sockets first (it has what they brought), then `loader`. */
  askingPeersFirst(loader: SnapshotLoader | undefined): SnapshotLoader {
    return async (query, signal) => (await (await this.loaded)?.ask(query)) ?? loader?.(query, signal);
  }

  /** Leaves the share (and a share still loading is not joined). */
  close(): void {
    this.#closed = true;
    this.#share?.close();
    this.#share = undefined;
  }
}
