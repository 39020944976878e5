/**
 * The listeners of `onConnectionState`: of every socket, or, as AInTandem's client takes them,
 * of one project's socket (by its public URL); removed whichever way they were added.
 */
import type { ConnectionEvent, ConnectionEventListener } from '../protocol/events.js';
import { ListenerSet } from './listener-set.js';

export class ConnectionStateListeners {
  readonly #all: ListenerSet<ConnectionEvent>;
  /** Listeners added for one socket, and how to remove them. */
  readonly #perSocket = new Map<ConnectionEventListener, (() => void)[]>();

  constructor(onError: (error: unknown) => void) {
    this.#all = new ListenerSet(onError);
  }

  add(listener: ConnectionEventListener): () => void {
    return this.#all.add(listener);
  }

  /** A listener of the events of the socket with this public URL. */
  addFor(url: string, listener: ConnectionEventListener): () => void {
    const remove = this.#all.add((event) => (event.url === url ? listener(event) : undefined));
    this.#perSocket.set(listener, [...(this.#perSocket.get(listener) ?? []), remove]);
    return () => {
      remove();
      const left = this.#perSocket.get(listener)?.filter((r) => r !== remove) ?? [];
      if (left.length > 0) this.#perSocket.set(listener, left);
      else this.#perSocket.delete(listener);
    };
  }

  /** Removes a listener, whichever form it was added with. */
  delete(listener: ConnectionEventListener): void {
    this.#all.delete(listener);
    for (const remove of this.#perSocket.get(listener) ?? []) remove();
    this.#perSocket.delete(listener);
  }

  emit(event: ConnectionEvent): void {
    this.#all.emit(event);
  }

  clear(): void {
    this.#all.clear();
    this.#perSocket.clear();
  }
}
