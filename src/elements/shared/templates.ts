/**
 * The pieces the three elements have in common: header, progress bar, step/phase list, notes,
 * headings, the connection line and the live region. Every server string goes through a text
 * binding.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { plainText } from './terminal-output.js';

/** The colour family of a status; `data-tone` on the parts picks it up in the styles. */
export type Tone = 'neutral' | 'active' | 'success' | 'danger' | 'warning';

export function header(label: string, status: string, tone: Tone, time: string | undefined): TemplateResult {
  // The time keeps the top right corner: the label and status wrap beside it.
  return html`<div part="header" class="header">
    <span class="title">
      <span part="label" class="label">${plainText(label)}</span>
      <span part="status" class="status" data-tone=${tone}>${status}</span>
    </span>
    ${time ? html`<span part="time" class="time">${time}</span>` : nothing}
  </div>`;
}

export interface BarOptions {
  /** The accessible name. */
  label: string;
  /** 0-100, or undefined while unknown. */
  percent: number | undefined;
  valueText: string;
  tone: Tone;
  /** Moving stripes while work goes on without a known percent. */
  busy: boolean;
}

/**
 * `role="progressbar"`; without a percent it is indeterminate and has no `aria-valuenow`. The
 * indicator's width is set through its `style` property (the CSSOM), not the attribute, which a
 * strict `style-src` Content Security Policy would block.
 */
export function progressBar({ label, percent, valueText, tone, busy }: BarOptions): TemplateResult {
  const known = percent !== undefined;
  const value = known ? Math.round(percent) : undefined;
  return html`<div
    part="bar"
    class="bar"
    role="progressbar"
    aria-label=${label}
    aria-valuemin="0"
    aria-valuemax="100"
    aria-valuenow=${value ?? nothing}
    aria-valuetext=${valueText}
    data-tone=${tone}
    ?data-indeterminate=${!known}
    ?data-busy=${busy && !known}
  >
    <div part="indicator" class="indicator" .style=${known ? `--_percent: ${percent}%` : ''}></div>
  </div>`;
}

export interface ConnectionLine {
  text: string;
  /** `live`, or the connection's state while the data may be out of date. */
  connection: string;
  /** Shown with a "Retry now" button that calls it. */
  retry?: (() => void) | undefined;
  retryLabel: string;
}

/**
 * One line, always the same height, on every element whose data could go out of date: "Live", or
 * what is wrong with the connection and when it was last current. Appearing or changing, it moves
 * nothing else on the card.
 */
export function connectionLine(line: ConnectionLine | undefined): TemplateResult | typeof nothing {
  if (!line) return nothing;
  return html`<p part="connection" class="connection" data-connection=${line.connection}>
    <span class="connection-text">${line.text}</span>
    ${line.retry ? html`<button part="retry" class="retry" type="button" @click=${line.retry}>${line.retryLabel}</button>` : nothing}
  </p>`;
}

export interface Stage {
  id: string;
  name: string;
  /** The raw status, for `data-status` and the part names. */
  status: string;
  /** The status in words. */
  statusText: string;
  detail?: string | undefined;
  current: boolean;
}

/**
 * An ordered list of steps or phases, the pending ones included; the current one has
 * `aria-current="step"`. Parts: `{part}s` on the list, `{part}` and `{part}-{status}` (and
 * `{part}-current`) on each item.
 */
export function stageList(part: 'step' | 'phase', label: string, stages: readonly Stage[], dropped: string | undefined): TemplateResult | typeof nothing {
  if (stages.length === 0) return nothing;
  return html`${note(dropped)}<ol part="${part}s" class="stages" aria-label=${label}>
    ${stages.map(
      (s) => html`<li
        part="${part} ${part}-${s.status}${s.current ? ` ${part}-current` : ''}"
        class="stage"
        data-status=${s.status}
        aria-current=${s.current ? 'step' : nothing}
      >
        <span class="icon" aria-hidden="true"></span>
        <span class="stage-name">${plainText(s.name)}</span>
        <span class="stage-status">${s.statusText}</span>
        <span class="stage-detail" ?hidden=${!s.detail}>${s.detail ? plainText(s.detail) : ''}</span>
      </li>`,
    )}
  </ol>`;
}

/** A titled section (artifacts, output): a heading that names it, then its content. */
export function section(id: string, title: string, content: unknown): TemplateResult {
  return html`<section class="section" aria-labelledby=${id}>
    <h3 part="heading" class="heading" id=${id}>${title}</h3>
    ${content}
  </section>`;
}

/** A muted line, e.g. "12 earlier lines not shown". */
export function note(text: string | undefined): TemplateResult | typeof nothing {
  return text ? html`<p class="note">${text}</p>` : nothing;
}

export function errorText(text: string | undefined): TemplateResult | typeof nothing {
  return text ? html`<p part="error" class="error">${plainText(text)}</p>` : nothing;
}

/** The polite live region; its text changes only when there is something to announce. */
export function liveRegion(text: string): TemplateResult {
  return html`<div class="visually-hidden" role="status" aria-atomic="true">${plainText(text)}</div>`;
}

/** A JSON-able value as one short line of text (for output summaries). */
export function summarise(value: unknown, max = 300): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  text = plainText(text);
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}
