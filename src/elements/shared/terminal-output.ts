/**
 * Terminal output as a terminal shows it, as Lit templates of text: SGR colours (16, 256 and
 * true colour) and styles (bold, dim, italic, underline, reverse, …) become styled spans; every
 * other escape or control sequence is removed, so none reaches the DOM. A line is what a terminal
 * leaves on it: a return to its start (a carriage return, the cursor to column 1) lets the next
 * text, or an erase, replace what was there, as the progress lines of npm, pip and docker pull do.
 *
 * Sequences are cut by ECMA-48's grammar here, and SGR is read here too: `ansi-sequence-parser`
 * reads `ESC [ … m` only and loosely (it takes everything from an `ESC [` to the next letter "m"
 * as one sequence, so `ESC[K Done in 1m` loses its text; it keeps other sequences as text, and
 * takes `ESC[m` for nothing instead of a reset), so using it meant cutting every sequence first
 * and writing its input out again: reading the SGR parameters on top of that is smaller than the
 * parser.
 */
import { html, type TemplateResult } from 'lit';

/**
 * One escape or control sequence: a CSI sequence (`ESC [` or U+009B, parameters, intermediates,
 * final byte, or cut off by the end of the line); an OSC, DCS, SOS, PM or APC string up to its
 * terminator (BEL or ST) or the end; any other escape sequence; one control character other than
 * tab and newline.
 */
const SEQUENCE = /(?:\x1b\[|\x9b)([0-?]*)([ -/]*)([@-~]|$)|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)|\x1b[ -/]*[0-~]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** What SGR sets: colours as CSS, and the decorations as the classes of the output's styles. */
interface Style {
  fg?: string | undefined;
  bg?: string | undefined;
  /** b bold, d dim, i italic, u underline, s struck, h hidden, r reverse. */
  flags: string;
}

/** SGR codes that set (or, with 20 added, clear) a decoration; 22 clears bold and dim. */
const FLAGS: Record<number, string> = { 1: 'b', 2: 'd', 3: 'i', 4: 'u', 7: 'r', 8: 'h', 9: 's' };

/** A colour of the 256-colour table: the theme's 16 (`--_ansi-0` … `--_ansi-15`), the 6x6x6 cube, the grey ramp. */
function tableColor(n: number): string | undefined {
  if (!(n >= 0 && n <= 255)) return undefined;
  if (n < 16) return `var(--_ansi-${n})`;
  if (n >= 232) return rgb([8 + (n - 232) * 10, 8 + (n - 232) * 10, 8 + (n - 232) * 10]);
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return rgb([level(Math.floor((n - 16) / 36)), level(Math.floor((n - 16) / 6) % 6), level((n - 16) % 6)]);
}

const rgb = (values: number[]): string | undefined =>
  values.length === 3 && values.every(Number.isFinite) ? `rgb(${values.map((v) => Math.max(0, Math.min(255, v))).join(' ')})` : undefined;

/** Applies one SGR sequence's parameters (`38;5;208`, `38:2::r:g:b`, `` for a reset) to `style`. */
function applySgr(style: Style, params: string): void {
  const list = params.split(';');
  for (let i = 0; i < list.length; i++) {
    // Sub-parameters (`38:2::r:g:b`, `4:3`) stand for themselves; the others take what follows.
    const sub = list[i]!.split(':');
    const code = Number(sub[0] || 0);
    if (code === 38 || code === 48) {
      const rest = sub.length > 1 ? sub.slice(1) : list.slice(i + 1);
      const color = rest[0] === '5' ? tableColor(Number(rest[1])) : rest[0] === '2' ? rgb(rest.slice(sub.length > 1 ? -3 : 1, sub.length > 1 ? undefined : 4).map(Number)) : undefined;
      if (sub.length === 1) i += rest[0] === '5' ? 2 : rest[0] === '2' ? 4 : 0;
      if (code === 38) style.fg = color;
      else style.bg = color;
    } else if (code === 0) {
      style.fg = style.bg = undefined;
      style.flags = '';
    } else if (FLAGS[code]) {
      if (!style.flags.includes(FLAGS[code]!)) style.flags += FLAGS[code];
    } else if (code >= 21 && code <= 29) {
      style.flags = style.flags.replace(code === 22 ? /[bd]/g : FLAGS[code - 20] ?? '-', '');
    } else if (code >= 30 && code <= 37) style.fg = tableColor(code - 30);
    else if (code >= 90 && code <= 97) style.fg = tableColor(code - 82);
    else if (code >= 40 && code <= 47) style.bg = tableColor(code - 40);
    else if (code >= 100 && code <= 107) style.bg = tableColor(code - 92);
    else if (code === 39) style.fg = undefined;
    else if (code === 49) style.bg = undefined;
  }
}

interface Run {
  text: string;
  style: Style;
}

/**
 * The runs of text a terminal leaves on a line, each with the style it was written in; `style`
 * is the SGR state coming in, and is left as the line leaves it.
 */
function lineRuns(line: string, style: Style): Run[] {
  let runs: Run[] = [];
  let home = false;
  let column = 0;
  const write = (text: string) => {
    if (!text) return;
    if (home) {
      runs = [];
      column = 0;
    }
    home = false;
    // Tabs as spaces up to the next multiple of 8.
    let expanded = '';
    for (const ch of text) {
      const width = ch === '\t' ? 8 - (column % 8) : 1;
      expanded += ch === '\t' ? ' '.repeat(width) : ch;
      column += width;
    }
    text = expanded;
    const last = runs[runs.length - 1];
    if (last && last.style.fg === style.fg && last.style.bg === style.bg && last.style.flags === style.flags) last.text += text;
    else runs.push({ text, style: { ...style } });
  };
  let at = 0;
  SEQUENCE.lastIndex = 0;
  for (let m = SEQUENCE.exec(line); m; m = SEQUENCE.exec(line)) {
    write(line.slice(at, m.index));
    at = SEQUENCE.lastIndex;
    const [sequence, params = '', intermediates, final] = m;
    if (sequence === '\r') home = true;
    else if (final && !intermediates && /^[\d;:]*$/.test(params)) {
      if (final === 'm') applySgr(style, params);
      // The cursor to column 1; the whole line erased, or from column 1 to its end.
      else if (final === 'G' && Number(params || 1) <= 1) home = true;
      else if (final === 'K' && (params === '2' || (home && !Number(params)))) runs = [];
    }
  }
  write(line.slice(at));
  return runs;
}

function span({ text, style }: Run): TemplateResult | string {
  let { fg, bg } = style;
  if (style.flags.includes('r')) [fg, bg] = [bg ?? 'var(--_output-bg)', fg ?? 'var(--_output-text)'];
  const classes = style.flags.replace('r', '').split('').join(' ');
  if (!fg && !bg && !classes) return text;
  // Colours through the style property (the CSSOM), which a strict style-src policy allows.
  return html`<span class=${classes} .style=${`${fg ? `color:${fg};` : ''}${bg ? `background:${bg}` : ''}`}>${text}</span>`;
}

/** Lines of terminal output as text and styled spans, joined by newlines; the SGR state carries from line to line. */
export function terminalLines(lines: readonly string[]): (TemplateResult | string)[] {
  const style: Style = { flags: '' };
  const out: (TemplateResult | string)[] = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push('\n');
    for (const run of lineRuns(line, style)) out.push(span(run));
  });
  return out;
}

const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

/**
 * Server text shown as plain text (names, messages, errors): as a terminal would show it, without
 * its escape sequences and control characters; newlines kept, tabs as spaces.
 */
export function plainText(text: string): string {
  if (!CONTROL.test(text)) return text;
  return text
    .split('\n')
    .map((line) => lineRuns(line, { flags: '' }).map((r) => r.text).join(''))
    .join('\n');
}
