/**
 * The styles SGR sets (colours and decorations), interned as small numbers so that a line keeps
 * one number per styled run. Colours are data, not CSS: the element maps them to its theme.
 *
 * This reads SGR parameters the way `shared/terminal-output.ts` does for `<task-progress>`; the
 * two readers should become one.
 */

/** A colour: -1 the default, 0-255 the 256-colour table (0-15 the theme's 16), or 0x1000000 + 0xRRGGBB. */
export type Colour = number;

export const BOLD = 1;
export const DIM = 2;
export const ITALIC = 4;
export const UNDERLINE = 8;
export const INVERSE = 16;
export const STRIKE = 32;
export const HIDDEN = 64;

export interface LogStyle {
  readonly fg: Colour;
  readonly bg: Colour;
  /** BOLD | DIM | ITALIC | UNDERLINE | INVERSE | STRIKE | HIDDEN */
  readonly flags: number;
}

/** The SGR codes that set a decoration; the code plus 20 clears it (22 clears bold and dim). */
const FLAG_OF: Record<number, number> = { 1: BOLD, 2: DIM, 3: ITALIC, 4: UNDERLINE, 7: INVERSE, 8: HIDDEN, 9: STRIKE };

/** True colour as a Colour, or undefined when a component is missing or not a number. */
function trueColour(r: number, g: number, b: number): Colour | undefined {
  if (![r, g, b].every(Number.isFinite)) return undefined;
  const c = (v: number) => Math.max(0, Math.min(255, Math.trunc(v)));
  return 0x1000000 + (c(r) << 16) + (c(g) << 8) + c(b);
}

/** A mutable style that SGR sequences change. */
export class StyleState {
  fg: Colour = -1;
  bg: Colour = -1;
  flags = 0;

  set(style: LogStyle): void {
    this.fg = style.fg;
    this.bg = style.bg;
    this.flags = style.flags;
  }

  reset(): void {
    this.fg = this.bg = -1;
    this.flags = 0;
  }

  /** Applies one SGR sequence's parameters (`1;38;5;208`, `38:2::r:g:b`, `` for a reset). */
  apply(params: string): void {
    const list = params.split(';');
    for (let i = 0; i < list.length; i++) {
      const sub = list[i]!.split(':');
      const code = Number(sub[0] || 0);
      if (code === 38 || code === 48 || code === 58) {
        let colour: Colour | undefined;
        if (sub.length > 1) {
          // Colon form: 38:5:n, 38:2:r:g:b or 38:2:cs:r:g:b.
          if (sub[1] === '5') colour = table(Number(sub[2]));
          else if (sub[1] === '2') {
            const rgb = sub.slice(-3).map(Number);
            colour = sub.length >= 5 ? trueColour(rgb[0]!, rgb[1]!, rgb[2]!) : undefined;
          }
        } else if (list[i + 1] === '5') {
          colour = table(Number(list[i + 2]));
          i += 2;
        } else if (list[i + 1] === '2') {
          colour = trueColour(Number(list[i + 2]), Number(list[i + 3]), Number(list[i + 4]));
          i += 4;
        }
        if (code === 38) this.fg = colour ?? -1;
        else if (code === 48) this.bg = colour ?? -1;
      } else if (code === 0) this.reset();
      else if (FLAG_OF[code]) this.flags |= FLAG_OF[code]!;
      else if (code === 22) this.flags &= ~(BOLD | DIM);
      else if (code >= 23 && code <= 29 && FLAG_OF[code - 20]) this.flags &= ~FLAG_OF[code - 20]!;
      else if (code >= 30 && code <= 37) this.fg = code - 30;
      else if (code >= 90 && code <= 97) this.fg = code - 82;
      else if (code >= 40 && code <= 47) this.bg = code - 40;
      else if (code >= 100 && code <= 107) this.bg = code - 92;
      else if (code === 39) this.fg = -1;
      else if (code === 49) this.bg = -1;
    }
  }
}

function table(n: number): Colour | undefined {
  return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
}

/** Most distinct styles a log keeps; past it, new styles are shown as the default style. */
export const MAX_STYLES = 0xffff;

/** Styles interned as numbers; 0 is the default style. */
export class StyleTable {
  private readonly ids = new Map<string, number>([['-1,-1,0', 0]]);
  private readonly styles: LogStyle[] = [{ fg: -1, bg: -1, flags: 0 }];

  /** The number of the style `state` is in. */
  idOf(state: StyleState): number {
    const key = `${state.fg},${state.bg},${state.flags}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.styles.length >= MAX_STYLES) return 0;
      id = this.styles.length;
      this.styles.push({ fg: state.fg, bg: state.bg, flags: state.flags });
      this.ids.set(key, id);
    }
    return id;
  }

  get(id: number): LogStyle {
    return this.styles[id] ?? this.styles[0]!;
  }
}

/** Most distinct link targets a log keeps; past it, new links are shown as plain text. */
export const MAX_LINKS = 0xffff;

/** Link targets (http and https URLs only) interned as numbers; 0 is no link. */
export class LinkTable {
  private readonly ids = new Map<string, number>();
  private readonly urls: string[] = [''];

  /** The number of `url`, or 0 when it is not an http(s) URL or the table is full. */
  idOf(url: string): number {
    const href = safeHref(url);
    if (!href) return 0;
    let id = this.ids.get(href);
    if (id === undefined) {
      if (this.urls.length >= MAX_LINKS) return 0;
      id = this.urls.length;
      this.urls.push(href);
      this.ids.set(href, id);
    }
    return id;
  }

  get(id: number): string | undefined {
    return id > 0 ? this.urls[id] : undefined;
  }
}

/** `url` as an absolute http: or https: URL, or undefined for any other scheme or a malformed one. */
export function safeHref(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url) || /[\x00-\x20\x7f-\x9f]/.test(url)) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
