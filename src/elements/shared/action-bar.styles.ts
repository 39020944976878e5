/** The action bar's style sheet, added to an element's shadow root when its actions load. */
import { css } from 'lit';

export const actionBarStyles = css`
  .actions {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: var(--_gap);
  }
  .action {
    --_action: var(--progress-action-color, var(--_accent));
    margin: 0;
    padding: 0.25rem 0.75rem;
    border: 1px solid var(--_action);
    border-radius: var(--progress-action-radius, 4px);
    background: var(--progress-action-background, transparent);
    color: var(--_action);
    font: inherit;
    font-weight: 600;
    line-height: 1.4;
    cursor: pointer;
  }
  .action[data-action='cancel'] {
    --_action: var(--_danger);
  }
  .action[data-confirm] {
    background: var(--_action);
    color: var(--_bg);
  }
  .action[data-action='keep'] {
    --_action: var(--_text);
  }
  .action:hover:not([aria-disabled='true'], [data-confirm]) {
    background: color-mix(in srgb, var(--_action) 10%, var(--_bg));
  }
  .action[aria-disabled='true'] {
    border-style: dashed;
    cursor: progress;
  }
  .action:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .action-error {
    flex: 1 1 100%;
    color: var(--_danger);
    overflow-wrap: anywhere;
  }

  @media (forced-colors: active) {
    .action,
    .action[data-confirm] {
      border-color: ButtonText;
      background: ButtonFace;
      color: ButtonText;
    }
    .action[data-confirm] {
      outline: 2px solid Highlight;
    }
    .action[aria-disabled='true'] {
      border-color: GrayText;
      color: GrayText;
    }
  }
`;
