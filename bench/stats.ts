/**
 * Medians, spreads and the result rows every benchmark prints.
 */

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[n - 1]!, n };
}

export const median = (values: readonly number[]): number => summarize(values).median;

/** One line of a result table: a figure, its median and spread over the runs, and its target. */
export interface ResultRow {
  benchmark: string;
  figure: string;
  /** The median, already formatted with its unit. */
  median: string;
  /** min..max over the runs, formatted. */
  spread: string;
  /** The target, e.g. `<= 1.5`; empty when the figure is context only. */
  target: string;
  /** `met`, `MISSED`, or empty for context figures. */
  verdict: string;
}

export function fmt(value: number, digits = 2): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(digits);
}

/** A row for a figure measured over several runs. */
export function row(
  benchmark: string,
  figure: string,
  values: readonly number[],
  options: { unit?: string; digits?: number; target?: string; ok?: (median: number) => boolean } = {},
): ResultRow {
  const s = summarize(values);
  const unit = options.unit ?? '';
  const digits = options.digits ?? 2;
  return {
    benchmark,
    figure,
    median: fmt(s.median, digits) + unit,
    spread: s.n > 1 ? `${fmt(s.min, digits)}..${fmt(s.max, digits)}${unit} (n=${s.n})` : `(n=${s.n})`,
    target: options.target ?? '',
    verdict: options.ok ? (options.ok(s.median) ? 'met' : 'MISSED') : '',
  };
}

/** A row for a figure measured once (sizes, counts). */
export function single(benchmark: string, figure: string, value: string, target = '', ok?: boolean): ResultRow {
  return { benchmark, figure, median: value, spread: '', target, verdict: ok === undefined ? '' : ok ? 'met' : 'MISSED' };
}

export function printTable(rows: readonly ResultRow[]): void {
  const header: ResultRow = { benchmark: 'benchmark', figure: 'figure', median: 'median', spread: 'spread (min..max)', target: 'target', verdict: 'verdict' };
  const all = [header, ...rows];
  const keys = ['benchmark', 'figure', 'median', 'spread', 'target', 'verdict'] as const;
  const widths = keys.map((key) => Math.max(...all.map((r) => r[key].length)));
  const line = (r: ResultRow) => '| ' + keys.map((key, i) => r[key].padEnd(widths[i]!)).join(' | ') + ' |';
  console.log(line(header));
  console.log('| ' + widths.map((w) => '-'.repeat(w)).join(' | ') + ' |');
  for (const r of rows) console.log(line(r));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` with a deadline: rejects with `what` when it takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
