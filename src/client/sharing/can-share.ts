/**
 * Whether this browser can share sockets between tabs: kept apart from the share itself, whose
 * code a client loads only when it shares.
 */
export interface LocksLike {
  request(name: string, options: { signal?: AbortSignal; steal?: boolean; mode?: 'exclusive' }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[] }>;
}

/** The browser's Web Locks, when it has them (and BroadcastChannel too). */
export function locks(): LocksLike | undefined {
  const g = globalThis as { BroadcastChannel?: unknown; navigator?: { locks?: LocksLike } };
  return typeof g.BroadcastChannel === 'function' && typeof g.navigator?.locks?.request === 'function' ? g.navigator.locks : undefined;
}

/** Whether this browser can share sockets between tabs. */
export const canShareTabs = (): boolean => locks() !== undefined;
