/** The styles of <task-log>: theme (light and dark after the page's color-scheme), toolbar, rows of one fixed height, the terminal's colours, forced colours and reduced motion. */
import { css } from 'lit';
import { ansiPalette } from '../shared/ansi-palette.styles.js';

export const taskLogStyles = css`
  :host {
    --_accent: var(--progress-color, light-dark(#0b57d0, #a8c7fa));
    --_success: var(--progress-success-color, light-dark(#146c2e, #79d995));
    --_danger: var(--progress-danger-color, light-dark(#b3261e, #ffb4ab));
    --_warning: var(--progress-warning-color, light-dark(#7a4a00, #f2c36b));
    --_text: var(--progress-text-color, light-dark(#1f1f1f, #e6e6e6));
    --_muted: var(--progress-muted-color, light-dark(#51575e, #b8bdc3));
    --_bg: var(--progress-background, light-dark(#ffffff, #1e1f21));
    --_border: var(--progress-border-color, light-dark(#c4c7c5, #5c6166));
    --_radius: var(--progress-radius, 8px);
    --_log-bg: var(--progress-output-background, color-mix(in srgb, var(--_text) 5%, var(--_bg)));
    --_hit: var(--task-log-hit-background, light-dark(#fde293, #6b5500));
    --_row: 20px;
    ${ansiPalette}
    display: block;
    box-sizing: border-box;
    min-inline-size: 0;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    font-family: var(--progress-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);
    font-size: var(--progress-font-size, 0.875rem);
    line-height: 1.4;
    overflow: hidden;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: border-box;
  }
  .base {
    position: relative;
    display: grid;
    grid-template-columns: minmax(0, 1fr);
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.375rem;
    padding: 0.375rem 0.5rem;
    border-block-end: 1px solid var(--_border);
  }
  .search {
    flex: 1 1 10rem;
    min-inline-size: 6rem;
    padding: 0.25rem 0.5rem;
    border: 1px solid var(--_border);
    border-radius: 4px;
    background: var(--_bg);
    color: inherit;
    font: inherit;
  }
  /* The browser's own placeholder grey is too faint on the dark background. */
  .search::placeholder {
    color: var(--_muted);
    opacity: 1;
  }
  .tool {
    min-inline-size: 2rem;
    padding: 0.25rem 0.5rem;
    border: 1px solid var(--_border);
    border-radius: 4px;
    background: var(--_bg);
    color: inherit;
    font: inherit;
    cursor: pointer;
  }
  .regex {
    font-family: var(--progress-mono-font-family, ui-monospace, monospace);
  }
  .regex[aria-pressed='true'] {
    border-color: var(--_accent);
    background: color-mix(in srgb, var(--_accent) 15%, var(--_bg));
  }
  .count {
    min-inline-size: 5rem;
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
  }
  .download {
    margin-inline-start: auto;
  }
  :focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
  .notice {
    margin: 0;
    padding: 0.25rem 0.5rem;
    color: var(--_muted);
    border-block-end: 1px solid var(--_border);
  }
  .scroller {
    position: relative;
    block-size: var(--task-log-height, 24rem);
    overflow: auto;
    overflow-anchor: none;
    background: var(--_log-bg);
    font-family: var(--progress-mono-font-family, ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace);
    font-size: 0.8125rem;
    contain: strict;
  }
  .space {
    position: relative;
    min-inline-size: 100%;
    inline-size: max-content;
  }
  .rows {
    position: absolute;
    inset-inline: 0;
    inset-block-start: 0;
    will-change: transform;
  }
  .row {
    display: flex;
    align-items: center;
    block-size: var(--_row);
    line-height: var(--_row);
    white-space: pre;
    padding-inline-start: calc(var(--depth, 0) * 1rem);
  }
  .line[data-selected] {
    background: color-mix(in srgb, var(--_accent) 16%, transparent);
  }
  .num {
    flex: none;
    min-inline-size: 4.5em;
    padding-inline: 0 0.75em;
    color: var(--_muted);
    text-align: end;
    text-decoration: none;
    user-select: none;
  }
  .num::before {
    content: attr(data-n);
  }
  .num:hover {
    color: var(--_accent);
    text-decoration: underline;
  }
  .time {
    flex: none;
    padding-inline-end: 0.75em;
    color: var(--_muted);
    user-select: none;
  }
  .time::before {
    content: attr(data-t);
  }
  .text {
    padding-inline-end: 1rem;
  }
  .text a {
    color: inherit;
    text-decoration: underline;
  }
  .show-all {
    flex: none;
    margin-inline-end: 1rem;
    padding: 0 0.375rem;
    border: 1px solid var(--_border);
    border-radius: 4px;
    background: var(--_bg);
    color: var(--_accent);
    font: inherit;
    line-height: calc(var(--_row) - 4px);
    cursor: pointer;
  }
  mark {
    background: var(--_hit);
    color: inherit;
  }
  mark.current {
    outline: 2px solid var(--_accent);
  }
  .group-header {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    block-size: var(--_row);
    padding: 0 0.5rem;
    border: 0;
    background: none;
    color: inherit;
    font: inherit;
    font-weight: 600;
    line-height: var(--_row);
    cursor: pointer;
  }
  .chevron::before {
    content: '▸';
    display: inline-block;
    transition: transform 120ms ease-out;
  }
  [aria-expanded='true'] > .chevron::before {
    transform: rotate(90deg);
  }
  .group-status {
    color: var(--_muted);
    font-weight: normal;
  }
  [data-status='running'] > .group-status {
    color: var(--_accent);
  }
  [data-status='completed'] > .group-status {
    color: var(--_success);
  }
  [data-status='failed'] > .group-status {
    color: var(--_danger);
  }
  [data-status='cancelled'] > .group-status {
    color: var(--_warning);
  }
  .group-time {
    color: var(--_muted);
    font-weight: normal;
  }
  .gap {
    padding-inline-start: calc(var(--depth, 0) * 1rem + 0.5rem);
    color: var(--_muted);
    font-style: italic;
  }
  .gap[data-reason='missing'] {
    color: var(--_warning);
  }
  .empty {
    margin: 0;
    padding: 0.5rem;
    color: var(--_muted);
  }
  .new-lines {
    position: absolute;
    inset-block-end: 0.75rem;
    inset-inline-end: 1.5rem;
    padding: 0.25rem 0.75rem;
    border: 1px solid var(--_accent);
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_bg);
    font: inherit;
    cursor: pointer;
  }
  .expanded {
    display: grid;
    gap: 0.25rem;
    padding: 0.5rem;
    border-block-end: 1px solid var(--_border);
  }
  .expanded-bar {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem;
  }
  .expanded-text {
    max-block-size: 12rem;
    margin: 0;
    overflow: auto;
    font-family: var(--progress-mono-font-family, ui-monospace, monospace);
    font-size: 0.8125rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .b {
    font-weight: 700;
  }
  .d {
    opacity: 0.75;
  }
  .i {
    font-style: italic;
  }
  .u {
    text-decoration: underline;
  }
  .s {
    text-decoration: line-through;
  }
  .u.s {
    text-decoration: underline line-through;
  }
  .h {
    visibility: hidden;
  }
  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
    border: 0;
  }
  @media (prefers-reduced-motion: reduce) {
    .chevron::before {
      transition: none;
    }
  }
  @media (forced-colors: active) {
    :host {
      border-color: CanvasText;
    }
    .line[data-selected],
    mark {
      forced-color-adjust: none;
      background: Highlight;
      color: HighlightText;
    }
    mark.current {
      outline-color: CanvasText;
    }
    .new-lines {
      border-color: ButtonText;
      background: ButtonFace;
      color: ButtonText;
    }
    .regex[aria-pressed='true'] {
      border: 2px solid Highlight;
    }
  }
`;
