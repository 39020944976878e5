/** What only <container-status> shows: the exit code of a failed stop. */
import { css } from 'lit';

export const containerStatusStyles = css`
  .exit-code[data-tone='danger'] {
    color: var(--_danger);
    font-weight: 600;
  }
`;
