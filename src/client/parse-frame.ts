/**
 * The one parser for frames arriving from a server: text in, a typed message or a typed
 * rejection out. It never throws.
 */
import {
  CONTAINER_EVENT_TYPES,
  STEP_STATUSES,
  TASK_EVENT_TYPES,
  WORKFLOW_EVENT_TYPES,
  type PingMessage,
  type PongMessage,
  type ProgressEvent,
  type SessionMessage,
} from './events.js';
import { isObject } from './objects.js';

export type RejectionReason =
  | 'binary'
  | 'too_large'
  | 'not_json'
  | 'not_object'
  | 'unknown_type'
  | 'missing_field'
  | 'invalid_field'
  | 'empty_batch';

/** Why a frame was dropped. It carries no frame content beyond the type and the field name. */
export interface FrameRejection {
  reason: RejectionReason;
  /** A sentence for logs and developers. */
  message: string;
  /** The frame's `type`, when it had a string one. */
  type?: string;
  /** The offending field, for missing_field and invalid_field. */
  field?: string;
  /** The frame's length in characters (or bytes, for binary frames). */
  size: number;
  /** For a member of a batch (a frame holding an array of events): its position. */
  index?: number;
}

export type ParsedMessage = ProgressEvent | PingMessage | PongMessage | SessionMessage;

export type ParseResult =
  | { ok: true; message: ParsedMessage }
  | { ok: false; rejection: FrameRejection };

/** Default cap on an incoming frame: 1 MiB of text. */
export const DEFAULT_MAX_FRAME_SIZE = 1024 * 1024;

type Check = (value: unknown) => boolean;
/** A field of an event: its name, its check, and whether it must be there. Compiled once, at load. */
type Field = readonly [name: string, check: Check, required: boolean];

const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const statuses: ReadonlySet<string> = new Set(STEP_STATUSES);
const isString: Check = (v) => typeof v === 'string';
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isStatus: Check = (v) => typeof v === 'string' && statuses.has(v);
const isSeq: Check = (v) => Number.isSafeInteger(v) && (v as number) > 0;
/** A task's plan: every step named by an id or a name. */
const isStepPlan: Check = (v) =>
  Array.isArray(v) && v.every((s) => isObject(s) && optionalString(s.stepId) && optionalString(s.step) && (typeof s.stepId === 'string' || typeof s.step === 'string'));
const isPhasePlan: Check = (v) => Array.isArray(v) && v.every((p) => isObject(p) && typeof p.phaseId === 'string' && optionalString(p.phase));

const need = (name: string, check: Check = isString): Field => [name, check, true];
const may = (name: string, check: Check = isString): Field => [name, check, false];

// Beyond type/timestamp/projectId; every event may carry the server's sequence number (docs/protocol.md).
const task = [need('taskId'), may('startedAt'), may('seq', isSeq)];
const workflow = [need('executionId'), need('workflowId'), may('totalPhases', isNumber), may('workflow'), may('startedAt'), may('seq', isSeq)];
const phase = [...workflow, need('phaseId'), may('phase')];
const container = [need('containerId'), may('image'), may('startedAt'), may('seq', isSeq)];

const SHAPES: Record<string, readonly Field[]> = {
  task_queued: [...task, may('steps', isStepPlan)],
  task_started: [...task, may('steps', isStepPlan)],
  // `output`: terminal text when a string; a step's result of any other kind passes as it is.
  step_progress: [...task, may('stepId'), may('step'), need('status', isStatus), may('message'), may('progress', isNumber)],
  output: [...task, may('stepId'), need('output')],
  artifact: [...task, need('artifact', isObject)],
  task_completed: [...task, may('duration', isNumber)],
  task_failed: [...task, may('error')],
  task_cancelled: task,
  workflow_execution_created: [...workflow, may('phases', isPhasePlan)],
  workflow_execution_started: [...workflow, may('phases', isPhasePlan)],
  workflow_phase_started: phase,
  workflow_phase_completed: phase,
  workflow_execution_completed: [...workflow, may('duration', isNumber)],
  workflow_execution_failed: [...workflow, may('error')],
  workflow_execution_paused: workflow,
  workflow_execution_resumed: workflow,
  container_created: container,
  container_started: container,
  container_stopped: [...container, may('exitCode', isNumber)],
  container_error: [...container, may('error')],
};
// Every known type has a shape (a compile-time list and this table must agree).
for (const t of [...TASK_EVENT_TYPES, ...WORKFLOW_EVENT_TYPES, ...CONTAINER_EVENT_TYPES]) if (!SHAPES[t]) throw new Error(`no shape for ${t}`);

const hasOwn = Object.hasOwn;

function reject(
  reason: RejectionReason,
  message: string,
  size: number,
  type?: string,
  field?: string,
): ParseResult {
  const rejection: FrameRejection = { reason, message, size };
  if (type !== undefined) rejection.type = type;
  if (field !== undefined) rejection.field = field;
  return { ok: false, rejection };
}

/** Longest `error` text kept from an error that is not a string. */
const MAX_ERROR_TEXT = 1000;

/**
 * `error` may come as a string, as `{ message }`, or as anything else (`{ code }`, a number): it
 * becomes a string (the message, else its JSON), so a failure is never dropped for its shape.
 */
function normaliseError(o: Record<string, unknown>): void {
  const e = o.error;
  if (typeof e === 'string' || e === undefined || e === null) return;
  if (isObject(e) && typeof e.message === 'string') {
    o.error = e.message;
    return;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(e);
  } catch {
    text = undefined;
  }
  o.error = (text ?? String(e)).slice(0, MAX_ERROR_TEXT);
}

/** `sandbox_*` events become `container_*` with a `containerId`. */
function normaliseSandbox(o: Record<string, unknown>): void {
  o.type = 'container_' + (o.type as string).slice('sandbox_'.length);
  if (!hasOwn(o, 'containerId') && hasOwn(o, 'sandboxId')) o.containerId = o.sandboxId;
}

/**
 * Validate an already-decoded JSON value as a server message.
 * Exposed apart from {@link parseFrame} so that a frame holding several events can reuse it.
 */
export function parseMessage(value: unknown, size = 0): ParseResult {
  if (!isObject(value)) {
    return reject('not_object', 'frame is not a JSON object', size);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.type !== 'string') {
    return reject('missing_field', 'frame has no string "type"', size, undefined, 'type');
  }
  if (o.type === 'ping' || o.type === 'pong') {
    return { ok: true, message: o as unknown as PingMessage | PongMessage };
  }
  if (o.type === 'session') {
    if (typeof o.epoch !== 'string') return reject('invalid_field', 'session: "epoch" is not a string', size, 'session', 'epoch');
    if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) return reject('invalid_field', 'session: "seq" is not a sequence number', size, 'session', 'seq');
    if (typeof o.resumed !== 'boolean') return reject('invalid_field', 'session: "resumed" is not a boolean', size, 'session', 'resumed');
    return { ok: true, message: o as unknown as SessionMessage };
  }
  if (o.type.startsWith('sandbox_')) normaliseSandbox(o);
  const type = o.type;
  const shape = hasOwn(SHAPES, type) ? SHAPES[type] : undefined;
  if (!shape) return reject('unknown_type', `unknown event type "${type.slice(0, 64)}"`, size, type.slice(0, 64));

  for (const field of ['projectId', 'timestamp'] as const) {
    if (!hasOwn(o, field)) return reject('missing_field', `${type}: missing "${field}"`, size, type, field);
    if (typeof o[field] !== 'string') return reject('invalid_field', `${type}: "${field}" is not a string`, size, type, field);
  }
  if (hasOwn(o, 'error')) normaliseError(o);
  for (const [field, check, required] of shape) {
    const value = o[field];
    if (value === undefined || value === null) {
      if (required) return reject('missing_field', `${type}: missing "${field}"`, size, type, field);
      if (hasOwn(o, field)) delete o[field];
      continue;
    }
    if (!check(value)) return reject('invalid_field', `${type}: "${field}" has the wrong type or value`, size, type, field);
  }
  if (type === 'artifact') {
    const a = o.artifact as Record<string, unknown>;
    if (typeof a.path !== 'string') return reject('invalid_field', 'artifact: "artifact.path" is not a string', size, type, 'artifact.path');
    if (typeof a.type !== 'string') return reject('invalid_field', 'artifact: "artifact.type" is not a string', size, type, 'artifact.type');
    if (a.size !== undefined && !isNumber(a.size)) {
      return reject('invalid_field', 'artifact: "artifact.size" is not a number', size, type, 'artifact.size');
    }
  }
  return { ok: true, message: o as unknown as ProgressEvent };
}

/** What one frame carried: the valid messages in order, and a rejection for each bad part. */
export interface DecodedFrame {
  messages: ParsedMessage[];
  rejections: FrameRejection[];
}

/**
 * Decode one WebSocket frame that holds either one message or, when the server batches, a JSON
 * array of them. Each member of a batch is validated on its own: a bad member is rejected (with
 * its index) and the others are kept. Never throws.
 */
export function decodeFrame(data: unknown, maxSize = DEFAULT_MAX_FRAME_SIZE): DecodedFrame {
  const size = typeof data === 'string' ? data.length : 0;
  if (typeof data !== 'string' || size > maxSize || data.charCodeAt(firstNonSpace(data)) !== 0x5b /* [ */) {
    const result = parseFrame(data, maxSize);
    return result.ok ? { messages: [result.message], rejections: [] } : { messages: [], rejections: [result.rejection] };
  }
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { messages: [], rejections: [{ reason: 'not_json', message: 'frame is not valid JSON', size }] };
  }
  const members = value as unknown[];
  if (members.length === 0) {
    return { messages: [], rejections: [{ reason: 'empty_batch', message: 'batch frame holds no event', size }] };
  }
  const messages: ParsedMessage[] = [];
  const rejections: FrameRejection[] = [];
  for (let index = 0; index < members.length; index++) {
    const result = parseMessage(members[index], size);
    if (result.ok) messages.push(result.message);
    else rejections.push({ ...result.rejection, index, message: `batch member ${index}: ${result.rejection.message}` });
  }
  return { messages, rejections };
}

function firstNonSpace(text: string): number {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x0a || text.charCodeAt(i) === 0x0d || text.charCodeAt(i) === 0x09)) i++;
  return i;
}

/** Parse one WebSocket frame holding one message. Binary frames are rejected: the wire format is text. */
export function parseFrame(data: unknown, maxSize = DEFAULT_MAX_FRAME_SIZE): ParseResult {
  if (typeof data !== 'string') {
    const size =
      typeof (data as { byteLength?: unknown })?.byteLength === 'number'
        ? (data as { byteLength: number }).byteLength
        : typeof (data as { size?: unknown })?.size === 'number'
          ? (data as { size: number }).size
          : 0;
    return reject('binary', 'binary frame: the wire format is JSON text', size);
  }
  const size = data.length;
  if (size > maxSize) return reject('too_large', `frame of ${size} characters exceeds the limit of ${maxSize}`, size);
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return reject('not_json', 'frame is not valid JSON', size);
  }
  return parseMessage(value, size);
}
