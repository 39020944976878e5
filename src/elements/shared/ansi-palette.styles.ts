/**
 * The terminal's 16 colours (`--_ansi-0` … `--_ansi-15`), readable on an output background in
 * light and in dark, each set by its `--progress-ansi-N` property: declarations to put in a rule
 * of the element that shows terminal output.
 */
import { css } from 'lit';

export const ansiPalette = css`
  --_ansi-0: var(--progress-ansi-0, light-dark(#1f1f1f, #a0a4a8));
  --_ansi-1: var(--progress-ansi-1, light-dark(#b3261e, #ff8a80));
  --_ansi-2: var(--progress-ansi-2, light-dark(#146c2e, #81c995));
  --_ansi-3: var(--progress-ansi-3, light-dark(#7a5900, #f2c36b));
  --_ansi-4: var(--progress-ansi-4, light-dark(#0b57d0, #8ab4f8));
  --_ansi-5: var(--progress-ansi-5, light-dark(#9c27b0, #e1a6ff));
  --_ansi-6: var(--progress-ansi-6, light-dark(#00727a, #78d9ec));
  --_ansi-7: var(--progress-ansi-7, light-dark(#5f6368, #e6e6e6));
  --_ansi-8: var(--progress-ansi-8, light-dark(#616161, #b8bdc3));
  --_ansi-9: var(--progress-ansi-9, light-dark(#c5221f, #ffb4ab));
  --_ansi-10: var(--progress-ansi-10, light-dark(#18753a, #a8e6b8));
  --_ansi-11: var(--progress-ansi-11, light-dark(#806200, #fde293));
  --_ansi-12: var(--progress-ansi-12, light-dark(#1a5fd6, #aecbfa));
  --_ansi-13: var(--progress-ansi-13, light-dark(#a12dbf, #efc6ff));
  --_ansi-14: var(--progress-ansi-14, light-dark(#00757d, #a6eefb));
  --_ansi-15: var(--progress-ansi-15, light-dark(#1f1f1f, #ffffff));
`;
