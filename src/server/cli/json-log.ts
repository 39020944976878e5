/**
 * The command's log: one JSON object per line (`time`, `level`, `msg`, then the fields), written
 * to stdout, for log collectors. Nothing written here may hold a token: callers pass only
 * what they chose to show.
 */

export type Level = 'info' | 'warn' | 'error';

export type Fields = Record<string, string | number | boolean | undefined>;

export interface JsonLog {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

const RESERVED = new Set(['time', 'level', 'msg']);

/** A log writing lines to `write` (stdout's by default), with the time from `now`. */
export function createJsonLog(write: (line: string) => void = (line) => process.stdout.write(line), now: () => Date = () => new Date()): JsonLog {
  const line = (level: Level, msg: string, fields: Fields = {}): void => {
    const entry: Record<string, unknown> = { time: now().toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields)) if (value !== undefined && !RESERVED.has(key)) entry[key] = value;
    write(`${JSON.stringify(entry)}\n`);
  };
  return {
    info: (msg, fields) => line('info', msg, fields),
    warn: (msg, fields) => line('warn', msg, fields),
    error: (msg, fields) => line('error', msg, fields),
  };
}

/** A URL as it may be logged: scheme, host and path, without credentials or query. */
export { redactedUrl as loggableUrl } from '../redis-connection.js';
