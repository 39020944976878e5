/**
 * A build plugin that minifies the static text of Lit's `css` and `html` tagged templates, which
 * a JavaScript minifier leaves as written: comments and indentation of the style sheets, the line
 * breaks and indentation of the markup.
 *
 * - css: comments go, whitespace runs become one space, and none is left around `{ } ; , >` or
 *   after `:`; a `;` before `}` goes.
 * - html: whitespace runs become one space (a space between inline elements still shows as one).
 *
 * Only whole template parts are rewritten; the expressions between them (`${…}`) are untouched.
 * No markup of the elements relies on more than one space or on a line break in static text (the
 * `pre` blocks hold only bindings).
 */
import { parseAst } from 'rolldown/parseAst';
import type { Plugin } from 'vite';

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

export function minifyCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s+/g, ' ')
    .replace(/ ?([{};,>]) ?/g, '$1')
    .replace(/: /g, ':')
    .replace(/;}/g, '}');
}

export function minifyHtml(text: string): string {
  return text.replace(/\s+/g, ' ');
}

const MINIFIERS: Record<string, (text: string) => string> = { css: minifyCss, html: minifyHtml, svg: minifyHtml };

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/** The edits that minify every `css`/`html` template of a module: [start, end, replacement]. */
export function literalEdits(code: string): [number, number, string][] {
  const edits: [number, number, string][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (!isNode(node)) return;
    if (node.type === 'TaggedTemplateExpression') {
      const tag = node.tag as Node & { name?: string };
      const minify = tag.type === 'Identifier' ? MINIFIERS[tag.name ?? ''] : undefined;
      const quasi = node.quasi as Node & { quasis: Node[] };
      if (minify) {
        for (const part of quasi.quasis) {
          const raw = code.slice(part.start, part.end);
          const small = minify(raw);
          if (small !== raw) edits.push([part.start, part.end, small]);
        }
      }
    }
    for (const key in node) if (key !== 'type') visit(node[key]);
  };
  visit(parseAst(code, { lang: 'js' }));
  return edits;
}

/** The modules whose templates are minified by default: the elements' sources. */
export const ELEMENT_SOURCES = /[\\/]src[\\/]elements[\\/].*\.ts$/;

/** Runs on the JavaScript the TypeScript sources compile to, for modules matching `filter`. */
export function minifyLiterals(filter: RegExp = ELEMENT_SOURCES): Plugin {
  return {
    name: 'progress-elements:minify-literals',
    enforce: 'post',
    transform(code, id) {
      if (!filter.test(id) || !/\b(css|html|svg)`/.test(code)) return undefined;
      const edits = literalEdits(code);
      if (edits.length === 0) return undefined;
      let out = '';
      let at = 0;
      for (const [start, end, text] of edits.sort((a, b) => a[0] - b[0])) {
        out += code.slice(at, start) + text;
        at = end;
      }
      return { code: out + code.slice(at), map: null };
    },
  };
}
