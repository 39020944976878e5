/**
 * custom-elements.json is generated from the elements' JSDoc (`npx cem analyze`, configured by
 * custom-elements-manifest.config.mjs) and committed: this fails when it no longer matches the source.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Analyzer {
  cli(options: { argv: string[]; cwd: string; noWrite: boolean }): Promise<unknown>;
}

test('the committed custom-elements.json matches a fresh analysis of src/elements', async () => {
  // The analyzer ships no type declarations: load it through a specifier TypeScript does not follow.
  const specifier: string = '@custom-elements-manifest/analyzer/cli.js';
  const { cli } = (await import(specifier)) as Analyzer;
  const fresh = await cli({ argv: ['analyze', '--quiet'], cwd: root, noWrite: true });
  const committed: unknown = JSON.parse(readFileSync(new URL('custom-elements.json', `file://${root}/`), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(fresh)), 'custom-elements.json is out of date: run `npx cem analyze`');
});

test('the manifest describes the three elements with their tags, attributes, events, parts and slots', () => {
  const manifest = JSON.parse(readFileSync(new URL('custom-elements.json', `file://${root}/`), 'utf8')) as {
    modules: { declarations?: { tagName?: string; attributes?: { name: string }[]; events?: { name: string }[]; cssParts?: { name: string }[]; cssProperties?: unknown[]; slots?: unknown[]; summary?: string }[]; exports?: { kind: string; name: string }[] }[];
  };
  const elements = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName);
  assert.deepEqual(elements.map((e) => e.tagName).sort(), ['container-status', 'task-progress', 'workflow-tracker']);
  for (const e of elements) {
    assert.ok(e.summary, `${e.tagName}: summary`);
    assert.ok(e.attributes?.some((a) => a.name === 'project-id'), `${e.tagName}: project-id`);
    assert.ok(e.events?.some((ev) => ev.name.endsWith('-change')), `${e.tagName}: a change event`);
    for (const part of ['label', 'status']) assert.ok(e.cssParts?.some((p) => p.name === part), `${e.tagName}: part ${part}`);
    assert.ok(e.cssProperties?.length, `${e.tagName}: css properties`);
    assert.ok(e.slots?.length, `${e.tagName}: slots`);
  }
  const definitions = manifest.modules.flatMap((m) => m.exports ?? []).filter((x) => x.kind === 'custom-element-definition');
  assert.deepEqual(definitions.map((d) => d.name).sort(), ['container-status', 'task-progress', 'workflow-tracker']);
});
