/**
 * Terminal output as a terminal shows it, as Lit templates of text: SGR colours (16, 256 and
 * true colour) and styles (bold, dim, italic, underline, …) become styled spans; every other
 * escape or control sequence is removed, so none reaches the DOM. A line is what it holds after
 * its last return to the start of the line (a carriage return, "cursor to column 1", "erase the
 * line"), as the progress lines of npm, pip and docker pull leave it.
 *
 * `ansi-sequence-parser` interprets the SGR sequences (and carries their state from line to
 * line). It reads `ESC [ … m` only, and reads it loosely: it would take everything from any
 * `ESC [` up to the next letter "m" as one sequence (so `ESC[K Done in 1m` loses its text), keeps
 * other escape sequences as text, and ignores an empty parameter (`ESC[m`, a reset). So each line
 * is first cut into sequences here, by ECMA-48's grammar, and the parser is given its text and
 * its SGR sequences only, with their parameters written out in full.
 */
import { createAnsiSequenceParser, type Color, type ParseToken } from 'ansi-sequence-parser';
import { html, type TemplateResult } from 'lit';

/**
 * One escape or control sequence: a CSI sequence (`ESC [` or U+009B, parameters, intermediates,
 * final byte, or cut off by the end of the line); an OSC, DCS, SOS, PM or APC string up to its
 * terminator (BEL or ST) or the end; any other escape sequence; one control character other than
 * tab and newline.
 */
const SEQUENCE = /(?:\x1b\[|\x9b)([0-?]*)([ -/]*)([@-~]|$)|(?:\x1b[\]PX^_]|[\x90\x98\x9d-\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)|\x1b[ -/]*[0-~]?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/** SGR parameters as the parser reads them: empty ones are 0, and `38:2::r:g:b`-style sub-parameters become `38;2;r;g;b`. */
function sgrParameters(params: string): string {
  return params
    .split(';')
    .map((p) => {
      if (!p.includes(':')) return p || '0';
      const [code = '0', mode, ...rest] = p.split(':');
      if ((code === '38' || code === '48') && mode === '5') return `${code};5;${rest[0] || '0'}`;
      if ((code === '38' || code === '48') && mode === '2') return `${code};2;${rest.slice(-3).map((n) => n || '0').join(';')}`;
      return code || '0';
    })
    .join(';');
}

/**
 * The line as the parser should read it: every SGR sequence, and the text a terminal leaves on
 * the line. A return to the line's start (a carriage return, the cursor to column 1) does not
 * erase by itself: the next text, or an erase to the end of the line, does; erasing the whole
 * line does at once. Styles stay in force across all of it.
 */
function forParser(line: string): string {
  let styles = '';
  let out = '';
  let home = false;
  let at = 0;
  const text = (t: string) => {
    if (!t) return;
    if (home) out = styles;
    home = false;
    out += t;
  };
  SEQUENCE.lastIndex = 0;
  for (let m = SEQUENCE.exec(line); m; m = SEQUENCE.exec(line)) {
    text(line.slice(at, m.index));
    at = SEQUENCE.lastIndex;
    const [sequence, params = '', intermediates, final] = m;
    if (sequence === '\r') home = true;
    else if (final && !intermediates && /^[\d;:]*$/.test(params)) {
      if (final === 'm') {
        const sgr = `\x1b[${sgrParameters(params)}m`;
        styles += sgr;
        out += sgr;
      } else if (final === 'G' && Number(params || 1) <= 1) home = true;
      else if (final === 'K' && (params === '2' || (home && Number(params || 0) === 0))) out = styles;
    }
  }
  text(line.slice(at));
  return out;
}

/** The 6x6x6 cube and the grey ramp of the 256-colour table (16-255). */
function tableColor(index: number): string | undefined {
  if (!(index >= 16 && index <= 255)) return undefined;
  if (index >= 232) {
    const level = 8 + (index - 232) * 10;
    return `rgb(${level} ${level} ${level})`;
  }
  const n = index - 16;
  const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
  return `rgb(${level(Math.floor(n / 36))} ${level(Math.floor(n / 6) % 6)} ${level(n % 6)})`;
}

const NAMED = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan', 'brightWhite'];

/** A colour as CSS: the 16 named ones from the theme (`--_ansi-0` … `--_ansi-15`), the others as they are. */
function cssColor(color: Color | null): string | undefined {
  if (!color) return undefined;
  switch (color.type) {
    case 'named':
      return `var(--_ansi-${NAMED.indexOf(color.name)})`;
    case 'table':
      return color.index < 16 ? `var(--_ansi-${color.index})` : tableColor(color.index);
    case 'rgb':
      return `rgb(${color.rgb.map((v) => Math.max(0, Math.min(255, v))).join(' ')})`;
  }
}

const CLASSES: Record<string, string> = { bold: 'b', dim: 'd', italic: 'i', underline: 'u', strikethrough: 's', overline: 'o', hidden: 'h' };

/** Tabs as spaces up to the next multiple of 8, counted from `column`. */
function expandTabs(text: string, column: { at: number }): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\t') {
      const spaces = 8 - (column.at % 8);
      out += ' '.repeat(spaces);
      column.at += spaces;
    } else {
      out += ch;
      column.at++;
    }
  }
  return out;
}

function run(token: ParseToken, column: { at: number }): TemplateResult | string {
  const text = expandTabs(token.value, column);
  const reverse = token.decorations.has('reverse');
  let fg = cssColor(token.foreground);
  let bg = cssColor(token.background);
  if (reverse) [fg, bg] = [bg ?? 'var(--_output-bg)', fg ?? 'var(--_output-text)'];
  const classes = [...token.decorations].map((d) => CLASSES[d]).filter(Boolean).join(' ');
  if (!fg && !bg && !classes) return text;
  // Set through the style property (the CSSOM), which a strict style-src policy allows.
  const style = `${fg ? `color:${fg};` : ''}${bg ? `background:${bg};` : ''}`;
  return html`<span class=${classes} .style=${style}>${text}</span>`;
}

/** Lines of terminal output as text and styled spans, one text line each, joined by newlines; the SGR state carries from line to line. */
export function terminalLines(lines: readonly string[]): (TemplateResult | string)[] {
  const parser = createAnsiSequenceParser();
  const out: (TemplateResult | string)[] = [];
  lines.forEach((line, i) => {
    if (i > 0) out.push('\n');
    const column = { at: 0 };
    for (const token of parser.parse(forParser(line))) out.push(run(token, column));
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
    .map((line) => {
      const column = { at: 0 };
      return createAnsiSequenceParser()
        .parse(forParser(line))
        .map((t) => expandTabs(t.value, column))
        .join('');
    })
    .join('\n');
}
