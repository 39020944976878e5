/**
 * Keeping the client's position in each server's sequence, and the states of the entities on
 * view, across a page reload within the same tab session (sessionStorage by default).
 */
import { isObject } from '../protocol/objects.js';
import { isEntityState } from './snapshots.js';
import type { EntityState } from '../protocol/state/progress-store.js';
import type { ResumePosition } from './websocket-manager.js';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface PersistedProgress {
  v: 1;
  /** Socket URL (without query) -> position. */
  positions: Record<string, ResumePosition>;
  states: EntityState[];
}

/** The session storage of the page, when there is one and it may be used. */
export function sessionStorageOrUndefined(): StorageLike | undefined {
  try {
    return (globalThis as { sessionStorage?: StorageLike }).sessionStorage;
  } catch {
    return undefined; // access denied (sandboxed frame, privacy settings)
  }
}

/** Where a client with the `persist` option keeps what it keeps: the storage and the key. */
export interface PersistPlace {
  storage: StorageLike;
  key: string;
}

/** The place the `persist` option names (`true`, or `{ key, storage }`), for the socket URL shown; undefined without storage. */
export function persistPlace(persist: boolean | { key?: string; storage?: StorageLike } | undefined, publicUrl: string): PersistPlace | undefined {
  if (!persist) return undefined;
  const storage = (typeof persist === 'object' ? persist.storage : undefined) ?? sessionStorageOrUndefined();
  if (!storage) return undefined;
  return { storage, key: (typeof persist === 'object' && persist.key) || `aintandem-progress:${publicUrl}` };
}

/** What was kept under `key`, checked; anything malformed is ignored. */
export function readPersisted(storage: StorageLike, key: string): PersistedProgress | undefined {
  let value: unknown;
  try {
    const text = storage.getItem(key);
    if (text === null) return undefined;
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.v !== 1 || !isObject(value.positions) || !Array.isArray(value.states)) return undefined;
  const positions: Record<string, ResumePosition> = {};
  for (const [url, p] of Object.entries(value.positions)) {
    if (isObject(p) && typeof p.epoch === 'string' && Number.isSafeInteger(p.seq) && (p.seq as number) >= 0) {
      positions[url] = { epoch: p.epoch, seq: p.seq as number };
    }
  }
  return { v: 1, positions, states: value.states.filter(isEntityState) };
}

export function writePersisted(storage: StorageLike, key: string, data: PersistedProgress): void {
  try {
    storage.setItem(key, JSON.stringify(data));
  } catch {
    // Quota exceeded or storage disabled: a reload will resync instead.
  }
}
