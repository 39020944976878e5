/**
 * What the tabs of one share say to each other over their BroadcastChannel (docs/tab-sharing.md).
 * `key` names a socket: a project's id, or '' for the one socket of a URL without `{projectId}`.
 * No message carries a token.
 */
import type { EntityQuery } from '../entity.js';
import type { ConnectionEvent, ConnectionState, ProgressEvent } from '../events.js';
import type { FrameRejection } from '../parse-frame.js';
import type { ResyncReason } from '../connection/sequence-tracker.js';
import type { ResumePosition } from '../connection/socket-url.js';
import type { EntityState } from '../state/progress-store.js';

export type ShareMessage =
  // Any tab: who it is, and what it needs.
  | { t: 'hello'; from: string }
  | { t: 'need'; from: string; keys: string[] }
  | { t: 'bye'; from: string }
  | { t: 'retry'; from: string; key: string }
  | { t: 'poke'; from: string }
  | { t: 'ask'; from: string; id: number; query: EntityQuery }
  // The tab holding the sockets: that it does, and what its sockets bring.
  | { t: 'lead'; from: string }
  | { t: 'answer'; to: string; id: number; state: EntityState | undefined }
  | { t: 'conn'; key: string; state: ConnectionState; retryAt?: number; position?: ResumePosition }
  | { t: 'event'; key: string; event: ConnectionEvent }
  | { t: 'frame'; key: string; events: ProgressEvent[]; position?: ResumePosition }
  | { t: 'resync'; key: string; reason: ResyncReason }
  | { t: 'reject'; key: string; rejection: FrameRejection };

const TYPES: ReadonlySet<string> = new Set(['hello', 'need', 'bye', 'retry', 'poke', 'ask', 'lead', 'answer', 'conn', 'event', 'frame', 'resync', 'reject']);

/** A message of the share, or undefined for anything else posted on the channel (dropped). */
export function asShareMessage(data: unknown): ShareMessage | undefined {
  const m = data as { t?: unknown; key?: unknown; events?: unknown; keys?: unknown } | null;
  if (typeof m !== 'object' || m === null || typeof m.t !== 'string' || !TYPES.has(m.t)) return undefined;
  if (m.t === 'frame' && !Array.isArray(m.events)) return undefined;
  if (m.t === 'need' && !(Array.isArray(m.keys) && m.keys.every((k) => typeof k === 'string'))) return undefined;
  if ((m.t === 'conn' || m.t === 'event' || m.t === 'frame' || m.t === 'resync' || m.t === 'reject' || m.t === 'retry') && typeof m.key !== 'string') return undefined;
  return m as ShareMessage;
}
