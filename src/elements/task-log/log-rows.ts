/**
 * The markup of a task log's rows: a line (its number, its time, its text in the terminal's
 * colours with links and search hits), a step or group header (a button that opens and closes
 * it), and the marker of lines not shown (not loaded yet, no longer kept, possibly missed).
 * Text goes in through Lit's text bindings only; colours through the style property.
 */
import { html, nothing, type TemplateResult } from 'lit';
import type { LogLine, LogRow, StepInfo } from './log-model.js';
import type { Segment } from './log-links.js';
import type { Colour, LogStyle } from './log-styles.js';
import { BOLD, DIM, HIDDEN, INVERSE, ITALIC, STRIKE, UNDERLINE } from './log-styles.js';

/** What the rows are drawn with. */
export interface RowContext {
  /** `#log-{taskId}-L{n}`. */
  href(lineNo: number): string;
  /** The line's time as shown, and in full (ISO); undefined without timestamps. */
  time(ms: number): { short: string; full: string } | undefined;
  selected(lineNo: number): boolean;
  /** The search hits in a line ([start, end) of its whole text), and which is the current one. */
  hits(lineNo: number): { ranges: [number, number][]; current: number } | undefined;
  stepStatus(status: string): string;
  duration(ms: number): string;
  gapText(reason: 'expired' | 'pending' | 'missing', from: number, to: number): string;
  showAll: string;
  lineLabel(lineNo: number): string;
  onLineNumber(event: MouseEvent, lineNo: number): void;
  onToggle(groupId: number): void;
  onShowAll(lineNo: number): void;
}

/** A colour of the 256-colour table: the theme's 16, the 6x6x6 cube, the grey ramp; or a true colour. */
export function colour(c: Colour): string | undefined {
  if (c < 0) return undefined;
  if (c >= 0x1000000) {
    const v = c - 0x1000000;
    return `rgb(${(v >> 16) & 255} ${(v >> 8) & 255} ${v & 255})`;
  }
  if (c < 16) return `var(--_ansi-${c})`;
  if (c >= 232) {
    const g = 8 + (c - 232) * 10;
    return `rgb(${g} ${g} ${g})`;
  }
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  const n = c - 16;
  return `rgb(${level(Math.floor(n / 36))} ${level(Math.floor(n / 6) % 6)} ${level(n % 6)})`;
}

const FLAG_CLASSES: [number, string][] = [
  [BOLD, 'b'],
  [DIM, 'd'],
  [ITALIC, 'i'],
  [UNDERLINE, 'u'],
  [STRIKE, 's'],
  [HIDDEN, 'h'],
];

function styled(text: string, style: LogStyle | undefined, href: string | undefined, mark: 'hit' | 'current' | undefined): TemplateResult | string {
  let inner: TemplateResult | string = text;
  if (style) {
    let fg = colour(style.fg);
    let bg = colour(style.bg);
    if (style.flags & INVERSE) [fg, bg] = [bg ?? 'var(--_log-bg)', fg ?? 'var(--_text)'];
    const classes = FLAG_CLASSES.filter(([f]) => style.flags & f)
      .map(([, c]) => c)
      .join(' ');
    if (fg || bg || classes) inner = html`<span class=${classes} .style=${`${fg ? `color:${fg};` : ''}${bg ? `background:${bg}` : ''}`}>${text}</span>`;
  }
  if (href) inner = html`<a href=${href} rel="noopener noreferrer" target="_blank">${inner}</a>`;
  if (mark) inner = html`<mark class=${mark} part=${mark === 'current' ? 'hit hit-current' : 'hit'}>${inner}</mark>`;
  return inner;
}

/** The segments of a line, split where search hits begin and end. */
function segmentsWithHits(segments: Segment[], hits: { ranges: [number, number][]; current: number } | undefined): (TemplateResult | string)[] {
  if (!hits || hits.ranges.length === 0) return segments.map((s) => styled(s.text, s.style, s.href, undefined));
  const out: (TemplateResult | string)[] = [];
  let at = 0;
  for (const s of segments) {
    const end = at + s.text.length;
    let pos = at;
    while (pos < end) {
      const k = hits.ranges.findIndex(([a, b]) => b > pos && a < end);
      const [a, b] = k >= 0 ? hits.ranges[k]! : [end, end];
      if (a > pos) {
        const to = Math.min(a, end);
        out.push(styled(s.text.slice(pos - at, to - at), s.style, s.href, undefined));
        pos = to;
        continue;
      }
      const to = Math.min(b, end);
      out.push(styled(s.text.slice(pos - at, to - at), s.style, s.href, k === hits.current ? 'current' : 'hit'));
      pos = to;
    }
    at = end;
  }
  return out;
}

function lineRow(line: LogLine, depth: number, ctx: RowContext): TemplateResult {
  const n = line.lineNo;
  const t = ctx.time(line.time);
  const selected = ctx.selected(n);
  return html`<div class="row line" part=${selected ? 'line line-selected' : 'line'} data-line=${n} ?data-selected=${selected} style=${`--depth:${depth}`}>
    <a class="num" part="line-number" href=${ctx.href(n)} data-n=${n} aria-label=${ctx.lineLabel(n)} @click=${(e: MouseEvent) => ctx.onLineNumber(e, n)}></a>${t
      ? html`<span class="time" part="timestamp" data-t=${t.short} title=${t.full}></span>`
      : nothing}<span class="text" part="text">${segmentsWithHits(line.segments, ctx.hits(n))}</span>${line.cut
      ? html`<button type="button" class="show-all" part="show-all" @click=${() => ctx.onShowAll(n)}>${ctx.showAll}</button>`
      : nothing}
  </div>`;
}

function groupRow(groupId: number, depth: number, title: string, open: boolean, step: StepInfo | undefined, ctx: RowContext): TemplateResult {
  const status = step?.status;
  return html`<div class="row group" part="group" style=${`--depth:${depth}`}>
    <button type="button" class="group-header" part="group-header" aria-expanded=${open ? 'true' : 'false'} data-status=${status ?? nothing} @click=${() => ctx.onToggle(groupId)}>
      <span class="chevron" aria-hidden="true"></span><span class="group-title">${title}</span>
      ${status ? html`<span class="group-status" part="group-status">${ctx.stepStatus(status)}</span>` : nothing}
      ${step?.durationMs !== undefined ? html`<span class="group-time" part="group-time">${ctx.duration(step.durationMs)}</span>` : nothing}
    </button>
  </div>`;
}

export function renderRow(row: LogRow, ctx: RowContext): TemplateResult {
  if (row.kind === 'line') return lineRow(row.line, row.depth, ctx);
  if (row.kind === 'group') return groupRow(row.groupId, row.depth, row.title || row.stepId, row.open, row.step, ctx);
  return html`<div class="row gap" part="gap" data-reason=${row.reason} style=${`--depth:${row.depth}`}>${ctx.gapText(row.reason, row.from, row.to)}</div>`;
}
