/**
 * The style base of the three elements: theme properties (light and dark, after the page's
 * color-scheme), layout of the shared pieces, the progress bar, the connection line, reduced
 * motion and forced colours.
 */
import { css } from 'lit';

export const baseStyles = css`
  :host {
    /* Light or dark as the page's color-scheme says (light on a page that says nothing, whatever the system prefers). */
    --_accent: var(--progress-color, light-dark(#0b57d0, #a8c7fa));
    --_track: var(--progress-track-color, light-dark(#dde1e6, #41464c));
    --_success: var(--progress-success-color, light-dark(#146c2e, #79d995));
    --_danger: var(--progress-danger-color, light-dark(#b3261e, #ffb4ab));
    --_warning: var(--progress-warning-color, light-dark(#7a4a00, #f2c36b));
    --_text: var(--progress-text-color, light-dark(#1f1f1f, #e6e6e6));
    --_muted: var(--progress-muted-color, light-dark(#51575e, #b8bdc3));
    --_bg: var(--progress-background, light-dark(#ffffff, #1e1f21));
    --_border: var(--progress-border-color, light-dark(#c4c7c5, #5c6166));
    --_radius: var(--progress-radius, 8px);
    --_bar-height: var(--progress-bar-height, 0.5rem);
    --_gap: var(--progress-gap, 0.5rem);
    --_tone: var(--_accent);
    display: block;
    box-sizing: border-box;
    min-inline-size: 0;
    padding: calc(var(--_gap) * 1.5);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    font-family: var(--progress-font-family, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif);
    font-size: var(--progress-font-size, 0.875rem);
    line-height: 1.4;
    /* Off screen, an element costs no style, layout or paint work: pages with many of them stay fast.
       The size it had when last rendered stands in for it meanwhile. */
    content-visibility: auto;
    contain-intrinsic-size: auto 6rem;
  }
  :host([hidden]) {
    display: none;
  }
  :host([layout='compact']) {
    padding: var(--_gap);
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  p {
    margin: 0;
  }

  .base {
    display: grid;
    /* One column as wide as the card, whatever a line inside would need. */
    grid-template-columns: minmax(0, 1fr);
    gap: var(--_gap);
  }
  [data-tone='neutral'] {
    --_tone: var(--_muted);
  }
  [data-tone='success'] {
    --_tone: var(--_success);
  }
  [data-tone='danger'] {
    --_tone: var(--_danger);
  }
  [data-tone='warning'] {
    --_tone: var(--_warning);
  }

  .header {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto;
    align-items: baseline;
    column-gap: var(--_gap);
  }
  .title {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0 var(--_gap);
    min-inline-size: 0;
  }
  .label {
    font-weight: 600;
    overflow-wrap: anywhere;
  }
  .status {
    color: var(--_tone);
    font-weight: 600;
  }
  .time,
  .note,
  .facts {
    color: var(--_muted);
    font-variant-numeric: tabular-nums;
  }
  .time {
    grid-column: 2;
    text-align: end;
  }
  .facts {
    display: flex;
    flex-wrap: wrap;
    gap: 0.25rem var(--_gap);
    overflow-wrap: anywhere;
  }

  .bar {
    position: relative;
    overflow: hidden;
    block-size: var(--_bar-height);
    border-radius: calc(var(--_bar-height) / 2);
    background: var(--_track);
  }
  .indicator {
    block-size: 100%;
    inline-size: var(--_percent, 0%);
    border-radius: inherit;
    background: var(--_tone);
    transition: inline-size 200ms ease-out;
  }
  .bar[data-busy] .indicator {
    inline-size: 30%;
    animation: progress-slide 1.5s ease-in-out infinite;
  }
  @keyframes progress-slide {
    from {
      transform: translateX(-100%);
    }
    to {
      transform: translateX(340%);
    }
  }

  .connection {
    display: flex;
    align-items: center;
    gap: var(--_gap);
    /* One line, always as tall, whatever it says: it moves nothing when the connection changes. */
    block-size: calc(1.4em + 0.5rem + 2px);
    margin: 0;
    padding: 0 0.5rem;
    border: 1px solid transparent;
    border-inline-start-width: 3px;
    border-radius: 2px;
    color: var(--_muted);
    white-space: nowrap;
  }
  .connection:not([data-connection='live']) {
    border-inline-start-color: var(--_warning);
    background: color-mix(in srgb, var(--_warning) 10%, var(--_bg));
    color: var(--_text);
  }
  .connection[data-connection='live']::before {
    content: '●';
    color: var(--_success);
  }
  .connection-text {
    flex: 1 1 auto;
    min-inline-size: 0;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .retry {
    flex: none;
    margin: 0;
    padding: 0 0.5rem;
    border: 1px solid currentColor;
    border-radius: 4px;
    background: transparent;
    color: inherit;
    font: inherit;
    line-height: 1.4;
    cursor: pointer;
  }
  .retry:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }

  .section {
    display: grid;
    gap: 0.25rem;
    min-inline-size: 0;
  }
  .heading {
    margin: 0;
    color: var(--_muted);
    font-size: 0.75rem;
    font-weight: 600;
    letter-spacing: 0.04em;
    text-transform: uppercase;
  }

  .stages {
    display: grid;
    gap: 0.125rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .stage {
    display: grid;
    grid-template-columns: 1.25em 1fr auto;
    align-items: baseline;
    column-gap: var(--_gap);
    padding: 0.25rem 0.375rem;
    border-radius: 4px;
  }
  .stage[aria-current] {
    background: color-mix(in srgb, var(--_accent) 12%, var(--_bg));
    font-weight: 600;
  }
  .stage-name {
    overflow-wrap: anywhere;
  }
  .stage-status {
    color: var(--_muted);
  }
  .stage-detail {
    grid-column: 2 / -1;
    color: var(--_muted);
    font-weight: normal;
    overflow-wrap: anywhere;
    white-space: pre-wrap;
  }
  .icon {
    text-align: center;
    color: var(--_muted);
  }
  .icon::before {
    content: '○';
  }
  [data-status='running'] > .icon {
    color: var(--_accent);
  }
  [data-status='running'] > .icon::before {
    content: '●';
  }
  [data-status='completed'] > .icon {
    color: var(--_success);
  }
  [data-status='completed'] > .icon::before {
    content: '✓';
  }
  [data-status='failed'] > .icon {
    color: var(--_danger);
  }
  [data-status='failed'] > .icon::before {
    content: '✕';
  }
  [data-status='skipped'] > .icon::before,
  [data-status='ended'] > .icon::before,
  [data-status='not-run'] > .icon::before {
    content: '–';
  }
  [data-status='cancelled'] > .icon {
    color: var(--_warning);
  }
  [data-status='cancelled'] > .icon::before {
    content: '–';
  }

  .error {
    color: var(--_danger);
    white-space: pre-wrap;
    overflow-wrap: anywhere;
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
    .indicator {
      transition: none;
    }
    .bar[data-busy] .indicator {
      inline-size: 100%;
      animation: none;
      background: repeating-linear-gradient(-45deg, var(--_tone) 0 0.5rem, transparent 0.5rem 1rem);
    }
  }

  @media (forced-colors: active) {
    :host {
      border-color: CanvasText;
    }
    .bar {
      forced-color-adjust: none;
      border: 1px solid CanvasText;
      background: Canvas;
    }
    .indicator {
      background: Highlight;
    }
    .bar[data-busy] .indicator {
      background: repeating-linear-gradient(-45deg, Highlight 0 0.5rem, Canvas 0.5rem 1rem);
    }
    .connection:not([data-connection='live']) {
      border: 1px solid CanvasText;
    }
    .retry {
      border-color: ButtonText;
      color: ButtonText;
    }
    .stage[aria-current] {
      outline: 2px solid Highlight;
    }
  }
`;
