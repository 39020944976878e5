/**
 * Generates, from custom-elements.json, what editors and frameworks need to know about the tags
 * (run by `npm run build`, after tsc has written dist/**\/*.d.ts):
 *
 * - dist/types/elements.d.ts: per tag, its properties, attributes and events as types
 *   (`ProgressElements`), typed through the element classes;
 * - dist/types/react.d.ts, vue.d.ts, svelte.d.ts: the tags in React 19's JSX.IntrinsicElements,
 *   Vue 3's GlobalComponents and Svelte 5's SvelteHTMLElements (each with an empty .js beside it,
 *   so that a plain `import` of the entry also resolves);
 * - dist/vscode.html-custom-data.json and dist/vscode.css-custom-data.json: VS Code's custom data
 *   (tags, attributes and their values; CSS custom properties and `::part()`s).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { literalValues, pascal, readManifest, ROOT, type ElementDoc } from './manifest.js';

const HEADER = '// Generated from custom-elements.json by scripts/generate-types.ts. Do not edit.\n';

const doc = (text: string, indent = ''): string => (text ? `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n` : '');

const key = (name: string): string => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : `'${name}'`);

function elementTypes(elements: ElementDoc[]): string {
  let out = HEADER;
  for (const e of elements) out += `import type { ${e.className} } from '../${e.distModule}';\n`;
  out += `
/** A value markup can give an attribute: numbers also as text. */
export type AttributeValue<T> = T extends number ? number | \`\${number}\` : T extends boolean ? boolean : Exclude<T, undefined>;

/** Listeners as React 19 and Svelte 5 take them on custom elements: \`on\` + the event's exact name. */
export type EventListenerProps<Events, Target> = {
  [K in keyof Events & string as \`on\${K}\`]?: (event: Events[K] & { currentTarget: Target }) => void;
};
`;
  for (const e of elements) {
    const name = pascal(e.tag);
    out += `\n${doc(`The properties of <${e.tag}> (set from script or bound as properties).`)}export interface ${name}Properties {\n`;
    for (const p of e.properties) out += `${doc(p.description + (p.attribute ? ` Attribute: \`${p.attribute}\`.` : ''), '  ')}  ${key(p.name)}?: ${e.className}['${p.name}'];\n`;
    out += `}\n\n${doc(`The attributes of <${e.tag}> (set from markup).`)}export interface ${name}Attributes {\n`;
    for (const a of e.attributes) {
      const type = a.property ? `AttributeValue<${e.className}['${a.property}']>` : 'string';
      out += `${doc(a.description, '  ')}  ${key(a.name)}?: ${type};\n`;
    }
    out += `}\n\n${doc(`The events <${e.tag}> fires, by name.`)}export interface ${name}Events {\n`;
    for (const ev of e.events) out += `${doc(ev.description, '  ')}  ${key(ev.name)}: HTMLElementEventMap['${ev.name}'];\n`;
    out += '}\n';
  }
  out += `\n/** Every tag of the package with its element class, properties, attributes and events. */\nexport interface ProgressElements {\n`;
  for (const e of elements) {
    const name = pascal(e.tag);
    out += `${doc(e.summary, '  ')}  '${e.tag}': { element: ${e.className}; properties: ${name}Properties; attributes: ${name}Attributes; events: ${name}Events };\n`;
  }
  out += '}\n';
  return out;
}

function tagList(elements: ElementDoc[], typeOf: (tag: string) => string, indent: string): string {
  return elements.map((e) => `${doc(e.summary, indent)}${indent}'${e.tag}': ${typeOf(e.tag)};\n`).join('');
}

function reactTypes(elements: ElementDoc[]): string {
  return `${HEADER}/**
 * The tags in React 19's JSX: attributes (\`task-id\`), properties (\`state\`, set as properties by
 * React 19) and listeners (\`ontask-complete\`). Load with
 * \`/// <reference types="@aintandem/progress-elements/types/react" />\` or an import of this entry.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { EventListenerProps, ProgressElements } from './elements.js';

type Own<K extends keyof ProgressElements> = ProgressElements[K]['attributes'] &
  ProgressElements[K]['properties'] &
  EventListenerProps<ProgressElements[K]['events'], ProgressElements[K]['element']>;

export type ReactProgressElementProps<K extends keyof ProgressElements> = Omit<
  DetailedHTMLProps<HTMLAttributes<ProgressElements[K]['element']>, ProgressElements[K]['element']>,
  keyof Own<K>
> &
  Own<K>;

declare module 'react' {
  namespace JSX {
    interface IntrinsicElements {
${tagList(elements, (tag) => `ReactProgressElementProps<'${tag}'>`, '      ')}    }
  }
}
`;
}

function vueTypes(elements: ElementDoc[]): string {
  return `${HEADER}/**
 * The tags in Vue 3's templates (GlobalComponents, read by vue-tsc and Vue's editor tools):
 * properties and attributes (\`task-id\`, \`:state\`) and events (\`@task-complete\`). Load with
 * \`/// <reference types="@aintandem/progress-elements/types/vue" />\` or an import of this entry, and
 * tell Vue's compiler the tags are custom elements (\`isCustomElement\`).
 */
import type { EmitFn, HTMLAttributes, PublicProps } from 'vue';
import type { ProgressElements } from './elements.js';

export type VueProgressElement<K extends keyof ProgressElements> = new () => ProgressElements[K]['element'] & {
  /** @deprecated For template type checking only: the element has no \`$props\`. */
  $props: HTMLAttributes & ProgressElements[K]['properties'] & PublicProps;
  /** @deprecated For template type checking only: the element has no \`$emit\`. */
  $emit: EmitFn<{ [E in keyof ProgressElements[K]['events']]: (event: ProgressElements[K]['events'][E]) => void }>;
};

declare module 'vue' {
  interface GlobalComponents {
${tagList(elements, (tag) => `VueProgressElement<'${tag}'>`, '    ')}  }
}
`;
}

function svelteTypes(elements: ElementDoc[]): string {
  return `${HEADER}/**
 * The tags in Svelte 5's markup: attributes (\`task-id\`), properties (\`state\`, set as properties
 * by Svelte) and listeners (\`ontask-complete\`). Load with
 * \`/// <reference types="@aintandem/progress-elements/types/svelte" />\` or an import of this entry.
 */
import type { HTMLAttributes } from 'svelte/elements';
import type { EventListenerProps, ProgressElements } from './elements.js';

type Own<K extends keyof ProgressElements> = ProgressElements[K]['attributes'] &
  ProgressElements[K]['properties'] &
  EventListenerProps<ProgressElements[K]['events'], ProgressElements[K]['element']>;

export type SvelteProgressElementProps<K extends keyof ProgressElements> = Omit<HTMLAttributes<ProgressElements[K]['element']>, keyof Own<K>> & Own<K>;

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
${tagList(elements, (tag) => `SvelteProgressElementProps<'${tag}'>`, '    ')}  }
}
`;
}

const markdown = (value: string) => ({ kind: 'markdown', value });

function tagDescription(e: ElementDoc): string {
  const lines = [`**${e.summary}**`, '', e.description];
  const list = (title: string, items: { name: string; description: string }[], show: (n: string) => string) => {
    if (items.length === 0) return;
    lines.push('', `${title}:`, ...items.map((i) => `- ${show(i.name)}: ${i.description}`));
  };
  list('Properties', e.properties.filter((p) => !p.attribute), (n) => `\`${n}\``);
  list('Events', e.events, (n) => `\`${n}\``);
  list('Slots', e.slots, (n) => (n ? `\`${n}\`` : 'default'));
  list('CSS parts', e.cssParts, (n) => `\`::part(${n})\``);
  list('CSS custom properties', e.cssProperties, (n) => `\`${n}\``);
  return lines.join('\n');
}

function htmlCustomData(elements: ElementDoc[]): object {
  return {
    $schema: 'https://raw.githubusercontent.com/microsoft/vscode-html-languageservice/main/docs/customData.schema.json',
    version: 1.1,
    tags: elements.map((e) => ({
      name: e.tag,
      description: markdown(tagDescription(e)),
      attributes: e.attributes.map((a) => {
        const values = literalValues(a.type);
        return {
          name: a.name,
          description: markdown(`${a.description}${a.default ? `\n\nDefault: \`${a.default}\`` : ''}`),
          ...(values ? { values: values.map((name) => ({ name })) } : {}),
        };
      }),
    })),
  };
}

function cssCustomData(elements: ElementDoc[]): object {
  const merged = <T extends { name: string; description: string }>(pick: (e: ElementDoc) => T[]) => {
    const byName = new Map<string, string[]>();
    for (const e of elements) for (const item of pick(e)) byName.set(item.name, [...(byName.get(item.name) ?? []), `\`<${e.tag}>\`: ${item.description}`]);
    return [...byName].map(([name, descriptions]) => ({ name, descriptions }));
  };
  return {
    $schema: 'https://raw.githubusercontent.com/microsoft/vscode-css-languageservice/main/docs/customData.schema.json',
    version: 1.1,
    properties: merged((e) => e.cssProperties).map(({ name, descriptions }) => ({ name, description: markdown(descriptions.join('\n\n')) })),
    pseudoElements: merged((e) => e.cssParts).map(({ name, descriptions }) => ({ name: `::part(${name})`, description: markdown(descriptions.join('\n\n')) })),
  };
}

function write(path: string, content: string): void {
  const file = resolve(ROOT, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}

export function generate(): string[] {
  const { elements } = readManifest();
  if (elements.length === 0) throw new Error('custom-elements.json describes no element');
  const files: Record<string, string> = {
    'dist/types/elements.d.ts': elementTypes(elements),
    'dist/types/react.d.ts': reactTypes(elements),
    'dist/types/vue.d.ts': vueTypes(elements),
    'dist/types/svelte.d.ts': svelteTypes(elements),
    'dist/vscode.html-custom-data.json': `${JSON.stringify(htmlCustomData(elements), null, 2)}\n`,
    'dist/vscode.css-custom-data.json': `${JSON.stringify(cssCustomData(elements), null, 2)}\n`,
  };
  for (const name of ['elements', 'react', 'vue', 'svelte']) files[`dist/types/${name}.js`] = '// Types only: see the .d.ts file beside this one.\nexport {};\n';
  for (const [path, content] of Object.entries(files)) write(path, content);
  return Object.keys(files);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = generate();
  console.log(`generated ${files.filter((f) => !f.endsWith('.js')).join(', ')}`);
}
