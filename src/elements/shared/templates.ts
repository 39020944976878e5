/**
 * The pieces the three elements have in common: header, progress bar, connection notice,
 * step/phase list, notes and the live region, and a page-set state made whole enough to render.
 * Every server string goes through a text binding.
 */
import { html, nothing, type TemplateResult } from 'lit';

/** The colour family of a status; `data-tone` on the parts picks it up in the styles. */
export type Tone = 'neutral' | 'active' | 'success' | 'danger' | 'warning';

export function header(label: string, status: string, tone: Tone, time: string | undefined): TemplateResult {
  return html`<div part="header" class="header">
    <span part="label" class="label">${label}</span>
    <span part="status" class="status" data-tone=${tone}>${status}</span>
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

/** Says that what is shown may not be live. */
export function connectionNotice(text: string | undefined, connection: string): TemplateResult | typeof nothing {
  return text ? html`<p part="connection" class="connection" data-connection=${connection}>${text}</p>` : nothing;
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
 * An ordered list of steps or phases; the current one has `aria-current="step"`. Parts:
 * `{part}s` on the list, `{part}` and `{part}-{status}` (and `{part}-current`) on each item.
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
        <span class="stage-name">${s.name}</span>
        <span class="stage-status">${s.statusText}</span>
        ${s.detail ? html`<span class="stage-detail">${s.detail}</span>` : nothing}
      </li>`,
    )}
  </ol>`;
}

/** A muted line, e.g. "12 earlier lines not shown". */
export function note(text: string | undefined): TemplateResult | typeof nothing {
  return text ? html`<p class="note">${text}</p>` : nothing;
}

export function errorText(text: string | undefined): TemplateResult | typeof nothing {
  return text ? html`<p part="error" class="error">${text}</p>` : nothing;
}

/** The polite live region; its text changes only when there is something to announce. */
export function liveRegion(text: string): TemplateResult {
  return html`<div class="visually-hidden" role="status" aria-atomic="true">${text}</div>`;
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
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/**
 * A state set by the page with what it leaves out (or holds as undefined or null) taken from
 * `initial`, the entity's state before any event: a partial object renders instead of throwing.
 */
export function filledState<S extends object>(state: S | undefined, initial: S): S | undefined {
  // The states of the client are whole: they are taken as they are, without a copy.
  if (!state || Object.keys(initial).every((key) => (state as Record<string, unknown>)[key] != null)) return state;
  const filled = { ...initial } as Record<string, unknown>;
  for (const [key, value] of Object.entries(state)) if (value != null) filled[key] = value;
  return filled as S;
}
