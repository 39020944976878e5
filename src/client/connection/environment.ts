/**
 * What a browser says about the network and the page: back online, and shown again. In Node
 * (no `addEventListener` on the global) there is nothing to watch.
 */

export interface EnvironmentHandlers {
  online(): void;
  visible(): void;
}

/** Starts listening; returns the function that stops it. */
export function watchEnvironment(handlers: EnvironmentHandlers): () => void {
  const g = globalThis as unknown as Partial<EventTarget> & { document?: Partial<EventTarget> & { visibilityState?: string } };
  if (typeof g.addEventListener !== 'function') return () => {};
  const online = (): void => handlers.online();
  const visibility = (): void => {
    if (g.document?.visibilityState === 'visible') handlers.visible();
  };
  g.addEventListener('online', online);
  g.document?.addEventListener?.('visibilitychange', visibility);
  return () => {
    g.removeEventListener?.('online', online);
    g.document?.removeEventListener?.('visibilitychange', visibility);
  };
}
