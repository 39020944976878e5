/**
 * The one ProgressClient behind every element of the page. Configure it from script with
 * `configureProgress()`, or without script with
 * `<meta name="aintandem-progress-url" content="wss://host/api/progress/subscribe/{projectId}">`,
 * read when an element connects while nothing is configured. The token is never read from markup:
 * pass `token` or `getToken` to `configureProgress()`.
 */
import { aintandemSnapshotLoader, ProgressClient, progressUrlFromBase, type ProgressClientConfig } from '../../client/index.js';

/**
 * `url` is a socket URL (`ws:`/`wss:`, `{projectId}` for one socket per project) or an AInTandem
 * API base URL (`http(s)://host/api`), which also gives the REST snapshots and where the elements'
 * actions go (`baseURL` says where with a socket URL).
 */
export type ProgressConfig = ProgressClientConfig;

/** The `<meta name>` that carries the URL for pages without script of their own. */
export const PROGRESS_URL_META = 'aintandem-progress-url';

/** Told the page's new client (undefined after resetProgress()). */
export type ClientListener = (client: ProgressClient | undefined) => void;

let client: ProgressClient | undefined;
/** Whether `client` was made here (and so is closed here when replaced). */
let owned = false;
/** A meta URL that failed once is not tried again until it changes. */
let rejectedMetaUrl: string | undefined;
const listeners = new Set<ClientListener>();

/** An API base URL made absolute against the page. */
function apiBase(url: string): string {
  const base = globalThis.location?.href;
  return base ? new URL(url, base).toString() : url;
}

/** `http(s)://host/api` (or a path on the page's origin) -> the AInTandem socket URL; socket URLs as they are. */
function socketUrl(url: string): string {
  if (/^wss?:/i.test(url)) return url;
  const base = globalThis.location?.href;
  const absolute = base ? new URL(url, base).toString() : url;
  return /^https?:/i.test(absolute) ? progressUrlFromBase(absolute) : url;
}

/**
 * Sets the client every element uses and moves the live elements to it. Given a config, makes a
 * ProgressClient (closed again when replaced); given a ProgressClient, uses it as is (the caller
 * keeps ownership).
 */
export function configureProgress(config: ProgressConfig | ProgressClient): ProgressClient {
  if (config instanceof ProgressClient) {
    replace(config, false);
    return config;
  }
  const url = socketUrl(config.url);
  const rest = url !== config.url && /^https?:/i.test(apiBase(config.url)) ? apiBase(config.url) : undefined;
  const next = new ProgressClient({
    // A page keeps its place in the stream (and what it shows) across a reload in the same tab.
    persist: true,
    // An AInTandem API base URL also gives the REST API for late-join and resync snapshots.
    ...(rest ? { snapshotLoader: aintandemSnapshotLoader(rest, { token: config.token, getToken: config.getToken }) } : {}),
    ...config,
    url,
    // ...and where the elements' actions (cancel, pause, resume) are sent.
    ...(config.baseURL ? { baseURL: apiBase(config.baseURL) } : rest ? { baseURL: rest } : {}),
  });
  replace(next, true);
  return next;
}

/** The configured client; when there is none yet, the one the page's `<meta>` describes, if any. */
export function getProgressClient(): ProgressClient | undefined {
  if (!client) configureFromMeta();
  return client;
}

/** Forgets the client (closing it when it was made by configureProgress); live elements wait for a new one. */
export function resetProgress(): void {
  replace(undefined, false);
}

/** Called whenever the client is replaced; returns the function that stops it. */
export function onProgressClientChange(listener: ClientListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function replace(next: ProgressClient | undefined, nextOwned: boolean): void {
  const previous = client;
  // The same client again (even when handed back by the page) stays as it is, and whoever owned it still does.
  if (previous === next) return;
  const previousOwned = owned;
  client = next;
  owned = nextOwned;
  for (const listener of [...listeners]) listener(next);
  if (previous && previousOwned) previous.close();
}

function configureFromMeta(): void {
  const meta = globalThis.document?.querySelector<HTMLMetaElement>(`meta[name="${PROGRESS_URL_META}"]`);
  const url = meta?.content.trim();
  if (!url || url === rejectedMetaUrl) return;
  try {
    configureProgress({ url });
  } catch (error) {
    rejectedMetaUrl = url;
    console.error(`[progress] <meta name="${PROGRESS_URL_META}"> holds no usable URL:`, error);
  }
}
