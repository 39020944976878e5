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
  workflow_execution_failed: [...workflow, may('error'), may('status', (v) => v === 'cancelled')],
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

/** Why the last call of `validate` returned undefined (set just before it returns: nothing else runs between). */
let rejected: FrameRejection | undefined;

function reject(reason: RejectionReason, message: string, size: number, type?: string, field?: string): undefined {
  const rejection: FrameRejection = { reason, message, size };
  if (type !== undefined) rejection.type = type;
  if (field !== undefined) rejection.field = field;
  rejected = rejection;
  return undefined;
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
  const message = validate(value, size);
  return message ? { ok: true, message } : { ok: false, rejection: rejected! };
}

/** The message, or undefined with `rejected` saying why. */
function validate(value: unknown, size: number): ParsedMessage | undefined {
  if (!isObject(value)) {
    return reject('not_object', 'frame is not a JSON object', size);
  }
  const o = value as Record<string, unknown>;
  if (typeof o.type !== 'string') {
    return reject('missing_field', 'frame has no string "type"', size, undefined, 'type');
  }
  if (o.type === 'ping' || o.type === 'pong') return o as unknown as PingMessage | PongMessage;
  if (o.type === 'session') {
    if (typeof o.epoch !== 'string') return reject('invalid_field', 'session: "epoch" is not a string', size, 'session', 'epoch');
    if (!Number.isSafeInteger(o.seq) || (o.seq as number) < 0) return reject('invalid_field', 'session: "seq" is not a sequence number', size, 'session', 'seq');
    if (typeof o.resumed !== 'boolean') return reject('invalid_field', 'session: "resumed" is not a boolean', size, 'session', 'resumed');
    return o as unknown as SessionMessage;
  }
  if (o.type.startsWith('sandbox_')) normaliseSandbox(o);
  const type = o.type;
  const shape = hasOwn(SHAPES, type) ? SHAPES[type] : undefined;
  if (!shape) return reject('unknown_type', `unknown event type "${type.slice(0, 64)}"`, size, type.slice(0, 64));

  if (typeof o.projectId !== 'string' || typeof o.timestamp !== 'string') {
    const field = typeof o.projectId !== 'string' ? 'projectId' : 'timestamp';
    if (!hasOwn(o, field)) return reject('missing_field', `${type}: missing "${field}"`, size, type, field);
    return reject('invalid_field', `${type}: "${field}" is not a string`, size, type, field);
  }
  if (hasOwn(o, 'error')) normaliseError(o);
  for (let i = 0; i < shape.length; i++) {
    const [field, check, required] = shape[i]!;
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
  return o as unknown as ProgressEvent;
}

/** Where the messages and rejections of a frame go, in order. */
export interface FrameSink {
  message(message: ParsedMessage): void;
  rejection(rejection: FrameRejection): void;
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
  const frame: DecodedFrame = { messages: [], rejections: [] };
  decodeInto(data, maxSize, { message: (m) => frame.messages.push(m), rejection: (r) => frame.rejections.push(r) });
  return frame;
}

/** Marks a frame that could not be read (`rejected` says why). */
const UNREADABLE = Symbol('unreadable');

/** A frame's JSON value, or UNREADABLE: binary, too large, or not JSON. */
function readJson(data: unknown, maxSize: number): unknown {
  if (typeof data !== 'string') {
    const size =
      typeof (data as { byteLength?: unknown })?.byteLength === 'number'
        ? (data as { byteLength: number }).byteLength
        : typeof (data as { size?: unknown })?.size === 'number'
          ? (data as { size: number }).size
          : 0;
    reject('binary', 'binary frame: the wire format is JSON text', size);
    return UNREADABLE;
  }
  const size = data.length;
  if (size > maxSize) {
    reject('too_large', `frame of ${size} characters exceeds the limit of ${maxSize}`, size);
    return UNREADABLE;
  }
  try {
    return JSON.parse(data);
  } catch {
    reject('not_json', 'frame is not valid JSON', size);
    return UNREADABLE;
  }
}

/** `decodeFrame` without building arrays: each message and rejection goes to the sink as it is found. */
export function decodeInto(data: unknown, maxSize: number, sink: FrameSink): void {
  const value = readJson(data, maxSize);
  if (value === UNREADABLE) {
    sink.rejection(rejected!);
    return;
  }
  const size = (data as string).length;
  if (!Array.isArray(value)) {
    const message = validate(value, size);
    if (message) sink.message(message);
    else sink.rejection(rejected!);
    return;
  }
  if (value.length === 0) {
    sink.rejection({ reason: 'empty_batch', message: 'batch frame holds no event', size });
    return;
  }
  for (let index = 0; index < value.length; index++) {
    const message = validate(value[index], size);
    if (message) sink.message(message);
    else sink.rejection({ ...rejected!, index, message: `batch member ${index}: ${rejected!.message}` });
  }
}

/** Parse one WebSocket frame holding one message (an array is not one). Binary frames are rejected: the wire format is text. */
export function parseFrame(data: unknown, maxSize = DEFAULT_MAX_FRAME_SIZE): ParseResult {
  const value = readJson(data, maxSize);
  const message = value === UNREADABLE ? undefined : validate(value, (data as string).length);
  return message ? { ok: true, message } : { ok: false, rejection: rejected! };
}
