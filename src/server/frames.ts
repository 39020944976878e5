/**
 * The frames the progress server reads from clients and writes to them.
 */
import type { RawData } from 'ws';
import type { ProgressEvent } from '../protocol/events.js';
import { parseMessage } from '../protocol/parse-frame.js';

/** A client frame that was accepted: a JSON object with a string `type`. */
export interface ClientMessage {
  type: string;
  [key: string]: unknown;
}

/** Why a client frame was dropped. */
export type ClientFrameRejection = 'binary' | 'not_json' | 'not_object' | 'missing_type';

export type ClientFrame = { ok: true; message: ClientMessage } | { ok: false; reason: ClientFrameRejection };

function toText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

/** Decode one client frame. Never throws: a bad frame comes back as a rejection. */
export function readClientFrame(data: RawData, isBinary: boolean): ClientFrame {
  if (isBinary) return { ok: false, reason: 'binary' };
  let value: unknown;
  try {
    value = JSON.parse(toText(data));
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not_object' };
  if (typeof (value as { type?: unknown }).type !== 'string') return { ok: false, reason: 'missing_type' };
  return { ok: true, message: value as ClientMessage };
}

/** An event checked for publishing: as the client's parser reads it, and as it goes on the wire. */
export interface CheckedEvent {
  /**
   * The parser's normalised form (`sandbox_*` read as `container_*` with a `containerId`, an
   * `{ message }` error as a string), for the server's own state.
   */
  event: ProgressEvent;
  /** The event as published, as JSON: clients get the spelling the publisher chose. */
  text: string;
}

/**
 * Checks an event with the client's own parser, so that the server never sends what a client
 * would drop. The caller's object is left untouched.
 * @throws TypeError with the parser's rejection message when the event is invalid.
 */
export function checkEvent(event: ProgressEvent): CheckedEvent {
  let text: string | undefined;
  try {
    text = JSON.stringify(event) as string | undefined;
  } catch {
    text = undefined;
  }
  if (text === undefined) throw new TypeError('event is not serialisable as JSON');
  const result = parseMessage(JSON.parse(text));
  if (!result.ok) throw new TypeError(result.rejection.message);
  if (result.message.type === 'ping' || result.message.type === 'pong' || result.message.type === 'session') {
    throw new TypeError(`"${result.message.type}" is not a progress event`);
  }
  return { event: result.message, text };
}

/** The JSON heartbeat frames of the wire format. */
export function heartbeatFrame(type: 'ping' | 'pong'): string {
  return JSON.stringify({ type, timestamp: new Date().toISOString() });
}
