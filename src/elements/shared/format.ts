/** Numbers, sizes, durations and relative times formatted by `Intl`, with formatters cached per locale. */

const cache = new Map<string, unknown>();

function cached<T>(key: string, make: () => T): T {
  let value = cache.get(key) as T | undefined;
  if (value === undefined) {
    value = make();
    cache.set(key, value);
  }
  return value;
}

/** The locale to use: the strings' own, else the page's `lang`, else the browser's. */
export function resolveLocale(locale: string | undefined): string | undefined {
  return locale || globalThis.document?.documentElement.lang || undefined;
}

export function formatInteger(value: number, locale: string | undefined): string {
  return cached(`i|${locale}`, () => new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })).format(value);
}

/** The whole percents 0-100 of each locale, formatted once (a bar's text is formatted on every update). */
const wholePercents = new Map<string | undefined, string[]>();

/** 42 -> "42%". */
export function formatPercent(percent: number, locale: string | undefined): string {
  const whole = Number.isInteger(percent) && percent >= 0 && percent <= 100;
  let known = whole ? wholePercents.get(locale) : undefined;
  const hit = known?.[percent];
  if (hit !== undefined) return hit;
  // `+ 0`: -0 is shown as 0.
  const text = cached(`p|${locale}`, () => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 })).format((percent + 0) / 100);
  if (whole) {
    if (!known) wholePercents.set(locale, (known = []));
    known[percent] = text;
  }
  return text;
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** 1536000 -> "1.5 MB" (decimal units, as the unit names mean). */
export function formatBytes(bytes: number, locale: string | undefined): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const name = BYTE_UNITS[unit]!;
  return cached(`b|${name}|${locale}`, () =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: unit === 0 ? 0 : 1 }),
  ).format(value);
}

interface DurationFormatLike {
  format(duration: { hours?: number; minutes?: number; seconds?: number }): string;
}
type DurationFormatCtor = new (locale: string | undefined, options: { style: string }) => DurationFormatLike;

/** Durations formatted lately, by locale and seconds: formatting one costs tens of µs, and every render of a running element shows one. */
const durations = new Map<string, string>();

/** 65000 -> "1 min, 5 sec": `Intl.DurationFormat` where the browser has it, units and a list otherwise. */
export function formatDuration(ms: number, locale: string | undefined): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const key = `${locale}|${total}`;
  let text = durations.get(key);
  if (text === undefined) {
    if (durations.size >= 500) durations.clear();
    durations.set(key, (text = durationText(total, locale)));
  }
  return text;
}

function durationText(total: number, locale: string | undefined): string {
  const parts = { hours: Math.floor(total / 3600), minutes: Math.floor((total % 3600) / 60), seconds: total % 60 };
  const DurationFormat = (Intl as unknown as { DurationFormat?: DurationFormatCtor }).DurationFormat;
  // DurationFormat leaves out units that are zero, so "0 sec" is made the other way; it throws a
  // RangeError from 2^53 seconds on (and on NaN), which the other way formats.
  if (DurationFormat && total > 0 && total < 9e15) {
    return cached(`d|${locale}`, () => new DurationFormat(locale, { style: 'short' })).format(parts);
  }
  const units = (['hours', 'minutes', 'seconds'] as const).filter((u, i) => parts[u] > 0 || (i === 2 && total === 0));
  const words = units.map((u) =>
    cached(`u|${u}|${locale}`, () => new Intl.NumberFormat(locale, { style: 'unit', unit: u.slice(0, -1), unitDisplay: 'short' })).format(parts[u]),
  );
  return cached(`l|${locale}`, () => new Intl.ListFormat(locale, { style: 'narrow', type: 'unit' })).format(words);
}

/**
 * `ms` from now as a relative time: -40000 -> "40 seconds ago", 5000 -> "in 5 seconds" (a
 * countdown). Whole units, an age rounded down and a countdown up (never "in 0 seconds").
 */
export function formatRelative(ms: number, locale: string | undefined): string {
  const rtf = cached(`r|${locale}`, () => new Intl.RelativeTimeFormat(locale, { numeric: 'always', style: 'long' }));
  const future = ms > 0;
  const seconds = Math.abs(ms) / 1000;
  const say = (n: number, unit: Intl.RelativeTimeFormatUnit) => rtf.format(future ? Math.max(1, Math.ceil(n)) : -Math.floor(n), unit);
  if (seconds < 60) return say(seconds, 'second');
  if (seconds < 3600) return say(seconds / 60, 'minute');
  if (seconds < 86400) return say(seconds / 3600, 'hour');
  return say(seconds / 86400, 'day');
}

/** An ISO time as a time of day ("14:03"), with the date when it is not today; undefined when it does not parse. */
export function formatClock(iso: string | undefined, locale: string | undefined): string | undefined {
  const at = iso === undefined ? NaN : Date.parse(iso);
  if (!Number.isFinite(at)) return undefined;
  const date = new Date(at);
  const today = new Date().toDateString() === date.toDateString();
  return cached(`t|${today}|${locale}`, () =>
    new Intl.DateTimeFormat(locale, today ? { hour: 'numeric', minute: '2-digit' } : { dateStyle: 'medium', timeStyle: 'short' }),
  ).format(date);
}

/** ms between two ISO times, or undefined when either is missing or unparsable. */
export function msBetween(from: string | undefined, to: number): number | undefined {
  if (!from) return undefined;
  const start = Date.parse(from);
  return Number.isFinite(start) ? Math.max(0, to - start) : undefined;
}
