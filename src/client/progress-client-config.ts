/** What a ProgressClient is made with: its server, its project, and the features it uses. */
import type { ConnectionConfig } from './connection/connection.js';
import type { StorageLike } from './persistence.js';
import type { SnapshotLoader } from './snapshots.js';
import type { ProgressStoreOptions } from '../protocol/state/progress-store.js';

export interface ProgressClientConfig extends ConnectionConfig, ProgressStoreOptions {
  /**
   * `ws://host/ws`: one socket for every project. A URL containing `{projectId}`
   * (e.g. `ws://host/api/progress/subscribe/{projectId}`): one socket per project.
   */
  url: string;
  /**
   * The project of the subscriptions that name none (and, with a per-project URL, of
   * `connect()`), as when the page is about one project.
   */
  projectId?: string;
  /** ms a socket stays open after its last subscription went away. Default 1000. */
  lingerTime?: number;
  /**
   * Loads an entity's current state when a view joins late, and after a reconnection that may
   * have missed events (see `referenceSnapshotLoader`, `aintandemSnapshotLoader`).
   */
  snapshotLoader?: SnapshotLoader;
  /**
   * Keep the position in each server's sequence and the states on view across a page reload in
   * the same tab (sessionStorage). `true`, or `{ key, storage }`. Default false.
   */
  persist?: boolean | { key?: string; storage?: StorageLike };
  /**
   * Share one socket per URL among the tabs of this browser that show the same server
   * (docs/tab-sharing.md): one tab holds the sockets, the others hear them through it. `true`, or
   * `{ key }`: tabs share only when they have the same URL and the same key (put the user in it
   * when tabs of one origin may belong to different users). Where the browser has no Web Locks
   * or BroadcastChannel, each tab keeps its own sockets. Default false.
   */
  shareTabs?: boolean | { key?: string };
  /**
   * AInTandem's REST base URL, `/api` included (`https://host/api`): where `cancelTask`,
   * `pauseExecution`, `resumeExecution` and `cancelExecution` (and the elements' `actions`) send,
   * with `token` or `getToken`. `configureProgress()` sets it from an `http(s)` `url`.
   */
  baseURL?: string;
  /**
   * ms an action's request waits for the server's answer before it rejects with a RunActionError
   * `timeout` (the action may still happen; the run's events say). Default 30000; 0: no limit.
   */
  actionTimeout?: number;
}
