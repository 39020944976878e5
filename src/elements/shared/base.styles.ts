/**
 * The style base of the three elements: theme properties (light and dark), layout of the shared
 * pieces, the progress bar, reduced motion and forced colours.
 */
import { css } from 'lit';

export const baseStyles = css`
  :host {
    --_accent: var(--progress-color, #0b57d0);
    --_track: var(--progress-track-color, #dde1e6);
    --_success: var(--progress-success-color, #146c2e);
    --_danger: var(--progress-danger-color, #b3261e);
    --_warning: var(--progress-warning-color, #7a4a00);
    --_text: var(--progress-text-color, #1f1f1f);
    --_muted: var(--progress-muted-color, #51575e);
    --_bg: var(--progress-background, #ffffff);
    --_border: var(--progress-border-color, #c4c7c5);
    --_radius: var(--progress-radius, 8px);
    --_bar-height: var(--progress-bar-height, 0.5rem);
    --_gap: var(--progress-gap, 0.5rem);
    --_tone: var(--_accent);
    display: block;
    box-sizing: border-box;
    padding: calc(var(--_gap) * 1.5);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    font-family: var(--progress-font-family, inherit);
    font-size: var(--progress-font-size, 0.875rem);
    line-height: 1.4;
    /* Off screen, an element costs no style, layout or paint work: pages with many of them stay fast.
       The size it had when last rendered stands in for it meanwhile. */
    content-visibility: auto;
    contain-intrinsic-size: auto 6rem;
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_accent: var(--progress-color, #a8c7fa);
      --_track: var(--progress-track-color, #41464c);
      --_success: var(--progress-success-color, #79d995);
      --_danger: var(--progress-danger-color, #ffb4ab);
      --_warning: var(--progress-warning-color, #f2c36b);
      --_text: var(--progress-text-color, #e6e6e6);
      --_muted: var(--progress-muted-color, #b8bdc3);
      --_bg: var(--progress-background, #1e1f21);
      --_border: var(--progress-border-color, #5c6166);
    }
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
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.25rem var(--_gap);
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
    margin-inline-start: auto;
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
    padding: 0.25rem 0.5rem;
    border-inline-start: 3px solid var(--_warning);
    border-radius: 2px;
    background: color-mix(in srgb, var(--_warning) 10%, var(--_bg));
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
  [data-status='skipped'] > .icon::before {
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
    .connection {
      border: 1px solid CanvasText;
    }
    .stage[aria-current] {
      outline: 2px solid Highlight;
    }
  }
`;
