/**
 * A line as the view draws it: its text cut to a length a view can lay out, split into segments
 * each with its style and, for http(s) URLs in the text or OSC 8 hyperlinks, its link target.
 */
import { safeHref, type LinkTable, type LogStyle, type StyleTable } from './log-styles.js';

/** Longest text a line shows; the rest is kept and can be read whole. */
export const MAX_DISPLAY_LENGTH = 10_000;

export interface Segment {
  text: string;
  /** Its style, or undefined for the default style. */
  style: LogStyle | undefined;
  /** An http: or https: URL it links to. */
  href: string | undefined;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?'"]+$/;

/** The http(s) URLs written in `text`, as [start, end, href] (trailing punctuation left out). */
export function urlsIn(text: string): [number, number, string][] {
  if (!text.includes('://')) return [];
  const out: [number, number, string][] = [];
  URL_IN_TEXT.lastIndex = 0;
  for (let m = URL_IN_TEXT.exec(text); m; m = URL_IN_TEXT.exec(text)) {
    let url = m[0].replace(TRAILING, '');
    // A closing bracket that does not close one of the URL's own is the text's.
    for (const [open, close] of [['(', ')'], ['[', ']']] as const) {
      while (url.endsWith(close) && url.split(close).length > url.split(open).length) url = url.slice(0, -1).replace(TRAILING, '');
    }
    const href = safeHref(url);
    if (href) out.push([m.index, m.index + url.length, href]);
  }
  return out;
}

/** Where to cut `text` for display: at most MAX_DISPLAY_LENGTH units, never inside a surrogate pair. */
export function displayLength(text: string): number {
  if (text.length <= MAX_DISPLAY_LENGTH) return text.length;
  const c = text.charCodeAt(MAX_DISPLAY_LENGTH - 1);
  return c >= 0xd800 && c <= 0xdbff ? MAX_DISPLAY_LENGTH - 1 : MAX_DISPLAY_LENGTH;
}

/**
 * The segments of `text` (already cut for display) given its styled runs [start, end, style,
 * link, …]: OSC 8 links first, then URLs written in the text where no OSC 8 link is.
 */
export function segmentsOf(text: string, runs: readonly number[] | undefined, styles: StyleTable, links: LinkTable): Segment[] {
  const n = text.length;
  if (n === 0) return [];
  const urls = urlsIn(text);
  if (!runs && urls.length === 0) return [{ text, style: undefined, href: undefined }];
  // Cut points where either changes; each piece takes the run and the URL covering it.
  const cuts = new Set<number>([0, n]);
  if (runs) for (let i = 0; i < runs.length; i += 4) cuts.add(Math.min(n, runs[i]!)).add(Math.min(n, runs[i + 1]!));
  for (const [s, e] of urls) cuts.add(s).add(e);
  const points = [...cuts].sort((a, b) => a - b);
  const out: Segment[] = [];
  let r = 0;
  let u = 0;
  for (let k = 0; k + 1 < points.length; k++) {
    const from = points[k]!;
    const to = points[k + 1]!;
    if (from >= to) continue;
    while (runs && r < runs.length && runs[r + 1]! <= from) r += 4;
    while (u < urls.length && urls[u]![1] <= from) u++;
    const run = runs && r < runs.length && runs[r]! <= from ? r : -1;
    const styleId = run >= 0 ? runs![run + 2]! : 0;
    const osc = run >= 0 ? links.get(runs![run + 3]!) : undefined;
    const url = urls[u] && urls[u]![0] <= from ? urls[u]![2] : undefined;
    const style = styleId ? styles.get(styleId) : undefined;
    const href = osc ?? url;
    const last = out[out.length - 1];
    if (last && last.style === style && last.href === href) last.text += text.slice(from, to);
    else out.push({ text: text.slice(from, to), style, href });
  }
  return out;
}
