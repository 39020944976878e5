/**
 * The entries of the progress log's Redis stream: their ids (`0-N`, N the event's number), their
 * fields (`p` the project, `e` the event's text, `x` the epoch), and the event an entry holds.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ProgressEvent } from '../protocol/events.js';
import { parseMessage } from '../protocol/parse-frame.js';
import type { LogEntry, ReadRequest, ReadResult } from './progress-log.js';
import type { StatesRedis } from './redis-states.js';

/** Entries read per command. */
export const PAGE = 1000;
/** Pages of the stream read back at most for a session's position (a project read past it while a server caught up). */
const LATEST_SCAN_PAGES = 10;

/** The commands used to read the stream. */
type StreamReader = Pick<Redis, 'xrange' | 'xrevrange'>;

export type StreamEntry = [id: string, fields: string[]];

/** What the log's scripts answer: the epoch, the number before its first entry, where the states hash is complete, the stream's head. */
export type Described = [epoch: string, start: number, statesAt: number, head: number];

/** The connection for commands, with the log's scripts defined on it. */
export type CommandRedis = StatesRedis & {
  progressCheck(meta: string, stream: string, candidate: string): Promise<Described>;
  progressAppend(meta: string, stream: string, candidate: string, retention: number, projectId: string, text: string): Promise<[string, string]>;
  progressSwitch(meta: string, stream: string, seenEpoch: string, candidate: string, seen: number): Promise<Described>;
};


/** A new epoch's name. */
export const newEpoch = (): string => randomUUID().slice(0, 8);

/** The event number of an entry id. */
export const numberOf = (id: string): number => Number(id.slice(id.indexOf('-') + 1));

export function fieldsOf(fields: string[]): { p?: string; e?: string; x?: string } {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

/** The event of a stream entry as the client's parser reads it, numbered; undefined when it is not one. */
export function eventOf(text: string, seq: number): ProgressEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = parseMessage(value);
  if (!parsed.ok || parsed.message.type === 'ping' || parsed.message.type === 'pong' || parsed.message.type === 'session') return undefined;
  return { ...parsed.message, seq } as ProgressEvent;
}

/**
 * The entries after `request.after` up to `request.through` of the request's epoch and projects,
 * read in pages; a resume that cannot be made says why (a number missing: trimmed; another epoch;
 * more than `maxBytes`). Errors of Redis are thrown as they come.
 */
export async function readEntries(redis: StreamReader, stream: string, request: ReadRequest): Promise<ReadResult> {
  const { epoch, after, through, projectId, projects } = request;
  const entries: LogEntry[] = [];
  let bytes = 0;
  let cursor = after;
  while (cursor < through) {
    const page = (await redis.xrange(stream, `(0-${cursor}`, `0-${through}`, 'COUNT', PAGE)) as StreamEntry[];
    if (page.length === 0) return { resumed: false, reason: 'gap' };
    for (const [id, raw] of page) {
      const seq = numberOf(id);
      // Numbers follow each other: a missing one was trimmed (retention).
      if (seq !== cursor + 1) return { resumed: false, reason: 'gap' };
      cursor = seq;
      const fields = fieldsOf(raw);
      if (fields.x !== epoch) return { resumed: false, reason: 'epoch' };
      if (projectId !== undefined && fields.p !== projectId) continue;
      if (projects !== undefined && (fields.p === undefined || !projects(fields.p))) continue;
      const event = fields.e === undefined ? undefined : eventOf(fields.e, seq);
      if (!event) continue;
      bytes += fields.e!.length;
      if (bytes > request.maxBytes) return { resumed: false, reason: 'too_large' };
      entries.push({ seq, projectId: event.projectId, text: fields.e!, event });
    }
  }
  return { resumed: true, entries };
}

/** The newest entry up to `through` and after `after` of a project `projects` accepts, within the pages read back; undefined when none. */
export async function newestBefore(redis: StreamReader, stream: string, projects: (projectId: string) => boolean, through: number, after: number): Promise<number | undefined> {
  let cursor = through;
  for (let page = 0; page < LATEST_SCAN_PAGES && cursor > after; page++) {
    const entries = (await redis.xrevrange(stream, `0-${cursor}`, `(0-${after}`, 'COUNT', PAGE)) as StreamEntry[];
    if (entries.length === 0) break;
    for (const [id, raw] of entries) {
      const p = fieldsOf(raw).p;
      if (p !== undefined && projects(p)) return numberOf(id);
    }
    cursor = numberOf(entries.at(-1)![0]) - 1;
  }
  return undefined;
}

/** Whether the stream holds entry `seq` of `epoch`, of a project `scope` accepts. */
export async function holdsEntry(redis: StreamReader, stream: string, seq: number, epoch: string, scope: (projectId: string) => boolean): Promise<boolean> {
  const entries = (await redis.xrange(stream, `0-${seq}`, `0-${seq}`)) as StreamEntry[];
  const fields = entries[0] ? fieldsOf(entries[0][1]) : undefined;
  return fields !== undefined && fields.x === epoch && fields.p !== undefined && scope(fields.p);
}

/** The stream's newest number (0 when it is empty). */
export async function headOf(redis: StreamReader, stream: string): Promise<number> {
  const last = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as StreamEntry[];
  return last.length === 0 ? 0 : numberOf(last[0]![0]);
}
