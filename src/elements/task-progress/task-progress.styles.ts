/** What only <task-progress> shows: the current-step line, artifacts and the output tail. */
import { css } from 'lit';

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
    margin: 0;
    padding: 0.5rem;
    border-radius: 4px;
    background: color-mix(in srgb, var(--_text) 6%, var(--_bg));
    font-family: var(--progress-mono-font-family, ui-monospace, monospace);
    font-size: 0.8125rem;
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .output-block {
    display: grid;
    gap: 0.25rem;
  }
  @media (forced-colors: active) {
    .output {
      border: 1px solid CanvasText;
    }
  }
`;
