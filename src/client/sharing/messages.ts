/**
 * What the tabs of one share say to each other over their BroadcastChannel (docs/tab-sharing.md).
 * `key` names a socket: a project's id, or '' for the one socket of a URL without `{projectId}`.
 * No message carries a token.
 */
import type { EntityQuery } from '../../protocol/entity.js';
import type { ConnectionEvent, ConnectionState, ProgressEvent } from '../../protocol/events.js';
import type { FrameRejection } from '../../protocol/parse-frame.js';
import type { ResyncReason } from '../connection/sequence-tracker.js';
import type { ResumePosition } from '../connection/socket-url.js';
import type { Transport } from '../connection/socket-like.js';
import type { EntityState } from '../../protocol/state/progress-store.js';

export type ShareMessage =
  // Any tab: who it is, and what it needs.
  | { t: 'hello'; from: string }
  // `at`: where this tab stands on the sockets it has not heard from the holder yet (after a
  // reload): the holder answers with what came since (`caught`).
  | { t: 'need'; from: string; keys: string[]; at?: Record<string, ResumePosition> }
  | { t: 'bye'; from: string }
  | { t: 'retry'; from: string; key: string }
  | { t: 'poke'; from: string }
  | { t: 'ask'; from: string; id: number; query: EntityQuery }
  // The tab holding the sockets: that it does, and what its sockets bring.
  | { t: 'lead'; from: string }
  | { t: 'answer'; to: string; id: number; state: EntityState | undefined }
  | { t: 'conn'; key: string; state: ConnectionState; retryAt?: number; position?: ResumePosition; transport?: Transport }
  | { t: 'event'; key: string; event: ConnectionEvent }
  | { t: 'frame'; key: string; events: ProgressEvent[]; position?: ResumePosition }
  // To a tab that said where it stands: the events after its position, up to `position`; or, when
  // the holder no longer has them all, `resync`: the tab resyncs from `position` on.
  | { t: 'caught'; to: string; key: string; events: ProgressEvent[]; position?: ResumePosition; resync?: ResyncReason }
  | { t: 'resync'; key: string; reason: ResyncReason }
  | { t: 'reject'; key: string; rejection: FrameRejection };

const TYPES: ReadonlySet<string> = new Set(['hello', 'need', 'bye', 'retry', 'poke', 'ask', 'lead', 'answer', 'conn', 'event', 'frame', 'caught', 'resync', 'reject']);
const KEYED: ReadonlySet<string> = new Set(['conn', 'event', 'frame', 'caught', 'resync', 'reject', 'retry']);
const RESYNCS: ReadonlySet<unknown> = new Set(['resumed', 'reconnect', 'gap', 'epoch']);

/** A message of the share, or undefined for anything else posted on the channel (dropped). */
export function asShareMessage(data: unknown): ShareMessage | undefined {
  const m = data as { t?: unknown; key?: unknown; events?: unknown; keys?: unknown; at?: unknown; to?: unknown; position?: unknown; resync?: unknown } | null;
  if (typeof m !== 'object' || m === null || typeof m.t !== 'string' || !TYPES.has(m.t)) return undefined;
  if (KEYED.has(m.t) && typeof m.key !== 'string') return undefined;
  if ((m.t === 'frame' || m.t === 'caught') && !(Array.isArray(m.events) && m.events.every(isRecord))) return undefined;
  if (m.t === 'need' && !(Array.isArray(m.keys) && m.keys.every((k) => typeof k === 'string'))) return undefined;
  if (m.t === 'need' && m.at !== undefined && !(isRecord(m.at) && Object.values(m.at).every(isPosition))) return undefined;
  if (m.t === 'caught' && (typeof m.to !== 'string' || (m.position !== undefined && !isPosition(m.position)) || (m.resync !== undefined && !RESYNCS.has(m.resync)))) return undefined;
  return m as ShareMessage;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A position in a server's sequence: an epoch and a whole number. */
export const isPosition = (value: unknown): value is ResumePosition =>
  isRecord(value) && typeof value.epoch === 'string' && Number.isSafeInteger(value.seq) && (value.seq as number) >= 0;
