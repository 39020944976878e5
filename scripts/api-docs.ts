/**
 * Writes the README's API reference (between `<!-- api:start -->` and `<!-- api:end -->`) from
 * custom-elements.json and the event detail types in the elements' sources.
 *
 *   npm run build:readme                          rewrite the section
 *   node --import tsx scripts/api-docs.ts --check  exit 1 when the section is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readManifest, ROOT, type Described, type ElementDoc, type FunctionDoc } from './manifest.js';

export const START = '<!-- api:start -->';
export const END = '<!-- api:end -->';
const README = resolve(ROOT, 'README.md');

/** Text safe inside a Markdown table cell. */
const cell = (text: string | undefined): string => (text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string | undefined): string => (text ? `\`${cell(text)}\`` : '');

/** The `export interface Name { ... }` declarations of a source file whose names are in `names`. */
function interfaces(source: string, names: Set<string>): string[] {
  const text = readFileSync(resolve(ROOT, source), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^export interface (\w+) \{\n[\s\S]*?^\}/gm)) {
    if (names.has(match[1]!)) found.push(match[0].replace(/^export /, ''));
  }
  return found;
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function element(e: ElementDoc): string {
  const out: string[] = [`### \`<${e.tag}>\``, '', `${e.summary}`, '', e.description, ''];
  out.push(`Defined by \`import '@aintandem/progress-elements/${e.tag}.js'\` (or the root entry); class \`${e.className}\`.`, '');
  const attributes = e.properties.filter((p) => p.attribute);
  out.push(
    table(
      ['Attribute', 'Property', 'Type', 'Default', 'Description'],
      attributes.map((p) => [code(p.attribute), code(p.name), code(p.type), code(p.default), cell(p.description + (p.reflects ? ' Reflected to the attribute.' : ''))]),
    ),
    '',
  );
  const properties = e.properties.filter((p) => !p.attribute);
  if (properties.length > 0) {
    out.push('Properties only (set from script, or bound as properties by a framework):', '');
    out.push(table(['Property', 'Type', 'Description'], properties.map((p) => [code(p.name), code(p.type), cell(p.description)])), '');
  }
  out.push('Events (bubbling and composed; listen with `addEventListener`, `@name` in Vue, `(name)` in Angular, `onname` in React 19 and Svelte 5):', '');
  out.push(table(['Event', 'Type', 'Description'], e.events.map((ev) => [code(ev.name), code(ev.type), cell(ev.description)])), '');
  const details = interfaces(e.source, new Set(e.events.map((ev) => ev.detail).filter((d): d is string => !!d)));
  if (details.length > 0) out.push('```ts', ...details, '```', '');
  const described = (title: string, head: string, items: Described[], show: (n: string) => string) => {
    if (items.length > 0) out.push(`${title}:`, '', table([head, 'Description'], items.map((i) => [show(i.name), cell(i.description)])), '');
  };
  described('Slots', 'Slot', e.slots, (n) => (n ? code(n) : '(default)'));
  described('CSS parts', 'Part', e.cssParts, (n) => code(`::part(${n})`));
  return out.join('\n');
}

function customProperties(elements: ElementDoc[]): string {
  const rows = new Map<string, { tags: string[]; descriptions: Set<string> }>();
  for (const e of elements) {
    for (const p of e.cssProperties) {
      const row = rows.get(p.name) ?? { tags: [], descriptions: new Set<string>() };
      row.tags.push(`\`<${e.tag}>\``);
      row.descriptions.add(p.description);
      rows.set(p.name, row);
    }
  }
  return table(
    ['Custom property', 'Used by', 'Description'],
    [...rows].map(([name, r]) => [code(name), r.tags.length === elements.length ? 'all' : r.tags.join(', '), cell([...r.descriptions].join(' / '))]),
  );
}

function functions(list: FunctionDoc[], exported: Set<string>): string {
  const rows = list.filter((f) => exported.has(f.name));
  return table(['Export', 'Description'], rows.map((f) => [code(f.signature), cell(f.description)]));
}

export function render(): string {
  const manifest = readManifest();
  const raw = JSON.parse(readFileSync(resolve(ROOT, 'custom-elements.json'), 'utf8')) as { modules: { path: string; exports?: { name: string }[] }[] };
  const fromElements = new Set(raw.modules.find((m) => m.path === 'src/elements/index.ts')?.exports?.map((x) => x.name) ?? []);
  return [
    START,
    '',
    '<!-- Generated from custom-elements.json and the elements\' sources by `npm run build:readme`. Do not edit by hand. -->',
    '',
    ...manifest.elements.map(element),
    '### CSS custom properties',
    '',
    'Set them on the elements or on any ancestor (they inherit through the shadow root).',
    '',
    customProperties(manifest.elements),
    '',
    '### Configuration',
    '',
    'Exported by the root entry, `/elements` and the CDN file:',
    '',
    functions(manifest.functions, fromElements),
    '',
    END,
  ].join('\n');
}

/** The README with its API section replaced by `section`. */
export function withSection(readme: string, section: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`);
  return readme.slice(0, start) + section + readme.slice(end + END.length);
}

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
  const readme = readFileSync(README, 'utf8');
  const next = withSection(readme, render());
  if (values.check) {
    if (next !== readme) {
      console.error('README.md: the API reference is out of date: run `npm run build:readme`');
      process.exitCode = 1;
    }
    return;
  }
  if (next !== readme) writeFileSync(README, next);
  console.log(next === readme ? 'README.md: API reference up to date' : 'README.md: API reference rewritten');
}

if (import.meta.url === `file://${process.argv[1]}`) main();
