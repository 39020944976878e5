/**
 * Reads custom-elements.json into the shape the generators need (scripts/generate-types.ts,
 * scripts/api-docs.ts): for each element its tag, class, module, attributes, public properties,
 * events, slots, CSS parts and CSS custom properties; and the functions and constants the
 * modules export.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

interface TypeRef {
  text: string;
}

interface RawMember {
  kind: 'field' | 'method';
  name: string;
  privacy?: 'public' | 'private' | 'protected';
  static?: boolean;
  readonly?: boolean;
  type?: TypeRef;
  default?: string;
  description?: string;
  attribute?: string;
  reflects?: boolean;
}

interface Named {
  name: string;
  description?: string;
}

interface RawDeclaration {
  kind: string;
  name: string;
  tagName?: string;
  customElement?: boolean;
  summary?: string;
  description?: string;
  members?: RawMember[];
  attributes?: (Named & { type?: TypeRef; default?: string; fieldName?: string })[];
  events?: (Named & { type?: TypeRef })[];
  slots?: Named[];
  cssParts?: Named[];
  cssProperties?: (Named & { syntax?: string; default?: string })[];
  parameters?: (Named & { type?: TypeRef; optional?: boolean })[];
  return?: { type?: TypeRef };
  type?: TypeRef;
  default?: string;
}

interface RawModule {
  path: string;
  declarations?: RawDeclaration[];
  exports?: { kind: string; name: string; declaration: { name: string; module?: string } }[];
}

/** A slot, CSS part or CSS custom property: its name and what it is for. */
export interface Described {
  name: string;
  description: string;
}

export interface Attribute {
  name: string;
  /** The property it sets, when there is one. */
  property: string | undefined;
  type: string;
  default: string | undefined;
  description: string;
}

export interface Property {
  name: string;
  /** The attribute that sets it, when there is one. */
  attribute: string | undefined;
  reflects: boolean;
  type: string;
  default: string | undefined;
  description: string;
}

export interface ElementEvent {
  name: string;
  /** `CustomEvent<...>` as written in the element's `@fires`. */
  type: string;
  /** The type inside `CustomEvent<...>`, when there is one. */
  detail: string | undefined;
  description: string;
}

export interface ElementDoc {
  tag: string;
  className: string;
  /** The element's class module, from the package root: `src/elements/.../x.ts`. */
  source: string;
  /** The same module in the build: `elements/.../x.js` under dist/. */
  distModule: string;
  /** The module that defines the tag: `elements/define/x.js` under dist/. */
  defineModule: string | undefined;
  summary: string;
  description: string;
  attributes: Attribute[];
  properties: Property[];
  events: ElementEvent[];
  slots: Described[];
  cssParts: Described[];
  cssProperties: Described[];
}

export interface FunctionDoc {
  kind: 'function' | 'variable';
  name: string;
  signature: string;
  description: string;
  module: string;
}

export interface Manifest {
  elements: ElementDoc[];
  functions: FunctionDoc[];
}

const oneLine = (text: string | undefined): string => (text ?? '').replace(/\s*\n\s*/g, ' ').trim();

const toDist = (path: string): string => path.replace(/^src\//, '').replace(/\.ts$/, '.js');

function customEventDetail(type: string): string | undefined {
  const match = /^CustomEvent<(.+)>$/.exec(type.trim());
  return match?.[1];
}

export function readManifest(path = resolve(ROOT, 'custom-elements.json')): Manifest {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { modules: RawModule[] };
  const defineModules = new Map<string, string>();
  for (const mod of raw.modules) {
    for (const x of mod.exports ?? []) if (x.kind === 'custom-element-definition') defineModules.set(x.name, toDist(mod.path));
  }

  const elements: ElementDoc[] = [];
  const functions: FunctionDoc[] = [];
  for (const mod of raw.modules) {
    for (const d of mod.declarations ?? []) {
      if (d.customElement && d.tagName) {
        const fields = (d.members ?? []).filter((m) => m.kind === 'field' && !m.static && (m.privacy ?? 'public') === 'public' && !m.name.startsWith('_') && !m.name.startsWith('#'));
        elements.push({
          tag: d.tagName,
          className: d.name,
          source: mod.path,
          distModule: toDist(mod.path),
          defineModule: defineModules.get(d.tagName),
          summary: oneLine(d.summary),
          description: oneLine(d.description),
          attributes: (d.attributes ?? []).map((a) => ({
            name: a.name,
            property: a.fieldName,
            type: a.type?.text ?? 'string',
            default: a.default,
            description: oneLine(a.description),
          })),
          properties: fields.map((f) => ({
            name: f.name,
            attribute: f.attribute,
            reflects: f.reflects === true,
            type: f.type?.text ?? 'unknown',
            default: f.default,
            description: oneLine(f.description),
          })),
          events: (d.events ?? []).map((e) => ({
            name: e.name,
            type: e.type?.text ?? 'Event',
            detail: customEventDetail(e.type?.text ?? ''),
            description: oneLine(e.description),
          })),
          slots: (d.slots ?? []).map((s) => ({ name: s.name, description: oneLine(s.description) })),
          cssParts: (d.cssParts ?? []).map((p) => ({ name: p.name, description: oneLine(p.description) })),
          cssProperties: (d.cssProperties ?? []).map((p) => ({ name: p.name, description: oneLine(p.description) })),
        });
      } else if (d.kind === 'function' || d.kind === 'variable') {
        const params = (d.parameters ?? []).map((p) => `${p.name}${p.optional ? '?' : ''}: ${p.type?.text ?? 'unknown'}`).join(', ');
        functions.push({
          kind: d.kind,
          name: d.name,
          signature: d.kind === 'function' ? `${d.name}(${params}): ${d.return?.type?.text ?? 'void'}` : `${d.name}: ${d.type?.text ?? 'unknown'}`,
          description: oneLine(d.description),
          module: mod.path,
        });
      }
    }
  }
  elements.sort((a, b) => a.tag.localeCompare(b.tag));
  return { elements, functions };
}

/** The string literals of a union like `'detailed' | 'compact'`, or undefined for any other type. */
export function literalValues(type: string): string[] | undefined {
  const parts = type.split('|').map((p) => p.trim()).filter((p) => p !== 'undefined');
  if (parts.length === 0 || !parts.every((p) => /^(['"]).*\1$/.test(p))) return undefined;
  return parts.map((p) => p.slice(1, -1));
}

/** `task-progress` -> `TaskProgress`. */
export function pascal(tag: string): string {
  return tag.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}
