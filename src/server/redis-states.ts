/**
 * Entity states for servers on one Redis: each server reduces them from the stream in its
 * order, and they are kept in Redis beside the stream (a hash of states, each with the number of
 * the newest event in it, and the position the hash is complete at). A server that starts later
 * loads the hash and reads the stream from that position, so that snapshots and REST reads
 * answer the same on every server, for entities whose events the stream no longer holds too.
 */
import type { Redis } from 'ioredis';
import type { ProgressEvent } from '../protocol/events.js';
import type { EntityState } from '../protocol/state/progress-store.js';
import { entityKey, parseEntityKey } from '../protocol/entity.js';
import type { EntityStates, SnapshotQuery } from './entity-states.js';
import { ServerStore } from './server-store.js';


/** The field of an entity in the states hash: its key (src/protocol/entity.ts). */
const fieldOf = (state: EntityState): string => entityKey(state.kind, state);

export interface StateKeys {
  meta: string;
  states: string;
  versions: string;
}

/** The Redis commands the states use (scripts defined on the connection). */
export type StatesRedis = Redis & {
  progressCheckpoint(meta: string, states: string, versions: string, ...args: (string | number)[]): Promise<number>;
  progressPrune(states: string, versions: string, ...args: (string | number)[]): Promise<number>;
};

/** States written per script call. */
const CHUNK = 200;

export class RedisStates implements EntityStates {
  readonly #redis: StatesRedis;
  readonly #keys: StateKeys;
  readonly #store: ServerStore;
  readonly #maxEntities: number;
  /** Entities changed since their state was last written. */
  #dirty = new Set<string>();
  /** Resolves once the reader has applied everything the stream held when asked (or gave up). */
  readonly #current: () => Promise<void>;

  constructor(redis: StatesRedis, keys: StateKeys, maxEntities: number, current: () => Promise<void>) {
    this.#redis = redis;
    this.#keys = keys;
    this.#maxEntities = maxEntities;
    this.#store = new ServerStore(maxEntities);
    this.#current = current;
  }

  async snapshot(query: SnapshotQuery, visible?: (projectId: string) => boolean): Promise<EntityState | undefined> {
    await this.#current();
    return this.#store.find(query, visible);
  }

  /** One event of the stream, in its order. */
  apply(event: ProgressEvent): void {
    const state = this.#store.apply(event);
    if (state) this.#dirty.add(fieldOf(state));
  }

  /** A new epoch: the states stay (the entities still exist) without numbers of the old one, and are written again. */
  forgetNumbers(): void {
    this.#store.forgetSequence();
    for (const state of this.#store.states()) this.#dirty.add(fieldOf(state));
  }

  /**
   * The newest number each project's states hold, among those up to `through`: what a reader
   * knows of each project's position before it reads the stream on from the hash.
   */
  newestPerProject(through: number): Map<string, number> {
    const newest = new Map<string, number>();
    for (const state of this.#store.states()) {
      const seq = state.seq;
      if (seq === undefined || seq > through) continue;
      if (seq > (newest.get(state.projectId) ?? 0)) newest.set(state.projectId, seq);
    }
    return newest;
  }

  /** Drops every state held and loads the hash instead (a reader that missed entries). */
  async replace(): Promise<void> {
    this.#store.clear();
    this.#dirty = new Set();
    await this.load();
  }

  /** Loads the states hash (what the reader then reads from `statesAt` on builds on it). */
  async load(): Promise<void> {
    let cursor = '0';
    do {
      const [next, fields] = await this.#redis.hscan(this.#keys.states, cursor, 'COUNT', 500);
      cursor = next;
      for (let i = 0; i + 1 < fields.length; i += 2) {
        try {
          this.#store.set(JSON.parse(fields[i + 1]!) as EntityState);
        } catch {
          // A field that is not a state: it is rewritten by the next server that holds the entity.
        }
      }
    } while (cursor !== '0');
  }

  /**
   * Writes the states changed since the last checkpoint (those not already newer in Redis), and
   * marks the hash complete at `position`: every event up to there is in it.
   * @returns false when the epoch is not the current one (nothing written).
   */
  async checkpoint(epoch: string, position: number): Promise<boolean> {
    const dirty = [...this.#dirty];
    this.#dirty = new Set();
    try {
      const versions: (string | null)[] = [];
      for (let i = 0; i < dirty.length; i += 1000) versions.push(...(await this.#redis.hmget(this.#keys.versions, ...dirty.slice(i, i + 1000))));
      const writes: (string | number)[][] = [];
      dirty.forEach((key, i) => {
        const query = parseEntityKey(key);
        const state = query && this.#store.find(query);
        if (!state) return;
        const version = state.seq ?? 0;
        const stored = versions[i];
        if (stored !== null && stored !== undefined && Number(stored) >= version) return;
        writes.push([key, version, JSON.stringify(state)]);
      });
      for (let i = 0; i < writes.length || i === 0; i += CHUNK) {
        const chunk = writes.slice(i, i + CHUNK);
        const last = i + CHUNK >= writes.length;
        const done = await this.#redis.progressCheckpoint(this.#keys.meta, this.#keys.states, this.#keys.versions, epoch, last ? position : 0, chunk.length, ...chunk.flat());
        if (done === 0) return false;
      }
      await this.#prune(position);
      return true;
    } catch (error) {
      for (const key of dirty) this.#dirty.add(key);
      throw error;
    }
  }

  /** Keeps the hash near the entities servers hold: past twice `maxEntities`, those no one holds go. */
  async #prune(position: number): Promise<void> {
    if ((await this.#redis.hlen(this.#keys.states)) <= this.#maxEntities * 2) return;
    const gone = (await this.#redis.hkeys(this.#keys.states)).filter((key) => {
      const query = parseEntityKey(key);
      return !query || !this.#store.find(query);
    });
    for (let i = 0; i < gone.length; i += 1000) await this.#redis.progressPrune(this.#keys.states, this.#keys.versions, position, ...gone.slice(i, i + 1000));
  }
}
