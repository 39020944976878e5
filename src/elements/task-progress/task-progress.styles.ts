/** What only <task-progress> shows: the current-step line, artifacts and the output tail in the terminal's colours. */
import { css } from 'lit';
import { ansiPalette } from '../shared/ansi-palette.styles.js';

export const taskProgressStyles = css`
  .message {
    overflow-wrap: anywhere;
  }
  .artifacts {
    display: grid;
    gap: 0.125rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .artifact {
    display: flex;
    flex-wrap: wrap;
    gap: 0 var(--_gap);
  }
  .artifact-path {
    font-family: var(--progress-mono-font-family, ui-monospace, monospace);
    overflow-wrap: anywhere;
  }
  .artifact-meta {
    color: var(--_muted);
  }
  .output {
    ${ansiPalette}
    --_output-bg: var(--progress-output-background, color-mix(in srgb, var(--_text) 6%, var(--_bg)));
    --_output-text: var(--_text);
    margin: 0;
    padding: 0.5rem;
    border-radius: 4px;
    background: var(--_output-bg);
    color: var(--_output-text);
    font-family: var(--progress-mono-font-family, ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', monospace);
    font-size: 0.8125rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .output .b {
    font-weight: 700;
  }
  .output .d {
    opacity: 0.75;
  }
  .output .i {
    font-style: italic;
  }
  .output .u {
    text-decoration: underline;
  }
  .output .s {
    text-decoration: line-through;
  }
  .output .u.s {
    text-decoration: underline line-through;
  }
  .output .o {
    text-decoration: overline;
  }
  .output .h {
    visibility: hidden;
  }
  @media (forced-colors: active) {
    .output {
      border: 1px solid CanvasText;
    }
  }
`;
