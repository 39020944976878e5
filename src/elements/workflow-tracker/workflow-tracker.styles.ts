/** What only <workflow-tracker> shows: the phase line and the output summary. */
import { css } from 'lit';

export const workflowTrackerStyles = css`
  .phase-line {
    overflow-wrap: anywhere;
  }
  .output {
    overflow-wrap: anywhere;
    white-space: pre-wrap;
  }
`;
