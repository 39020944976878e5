import assert from 'node:assert/strict';
import { test } from 'node:test';
import { literalEdits, minifyCss, minifyHtml } from '../../scripts/minify-literals.js';

function apply(code: string): string {
  let out = code;
  for (const [start, end, text] of literalEdits(code).sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return out;
}

test('css: comments and indentation go; descendant combinators, calc spaces and strings stay', () => {
  const sheet = `
    :host([state]) .bar > .indicator ,  .x {
      /* a comment */
      inline-size : calc(var(--_gap) * 1.5 + 2px);
      content: '○ x';
    }
    @media (prefers-color-scheme: dark) { :host { color: red; } }
  `;
  assert.equal(
    minifyCss(sheet),
    " :host([state]) .bar>.indicator,.x{inline-size :calc(var(--_gap) * 1.5 + 2px);content:'○ x'}@media (prefers-color-scheme:dark){:host{color:red}}",
  );
});

test('html: whitespace runs become one space', () => {
  assert.equal(minifyHtml('<div\n    part="bar"\n    class="bar">\n  <span> a  b </span>\n</div>'), '<div part="bar" class="bar"> <span> a b </span> </div>');
});

test('only the static parts of css/html templates change, nested templates included; expressions and other templates do not', () => {
  const code = [
    'const a = css`  .a {  color: ${c};  }  `;',
    'const b = html`<p>\n  ${x ? html`<i>\n  one  </i>` : `  keep  ${y}  `}\n</p>`;',
    'const c = other`  keep  `;',
  ].join('\n');
  assert.equal(
    apply(code),
    ['const a = css` .a{color:${c}}`;', 'const b = html`<p> ${x ? html`<i> one </i>` : `  keep  ${y}  `} </p>`;', 'const c = other`  keep  `;'].join('\n'),
  );
});
