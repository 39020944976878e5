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

test('the manifest describes the four elements with their tags, attributes, events, parts and slots', () => {
  const manifest = JSON.parse(readFileSync(new URL('custom-elements.json', `file://${root}/`), 'utf8')) as {
    modules: { declarations?: { tagName?: string; attributes?: { name: string }[]; events?: { name: string }[]; cssParts?: { name: string }[]; cssProperties?: unknown[]; slots?: unknown[]; summary?: string }[]; exports?: { kind: string; name: string }[] }[];
  };
  const all = manifest.modules.flatMap((m) => m.declarations ?? []).filter((d) => d.tagName);
  assert.deepEqual(all.map((e) => e.tagName).sort(), ['container-status', 'task-log', 'task-progress', 'workflow-tracker']);
  // The cards: the three elements of one run's progress.
  const elements = all.filter((e) => e.tagName !== 'task-log');
  for (const e of elements) {
    assert.ok(e.summary, `${e.tagName}: summary`);
    assert.ok(e.attributes?.some((a) => a.name === 'project-id'), `${e.tagName}: project-id`);
    assert.ok(e.events?.some((ev) => ev.name.endsWith('-change')), `${e.tagName}: a change event`);
    for (const part of ['label', 'status']) assert.ok(e.cssParts?.some((p) => p.name === part), `${e.tagName}: part ${part}`);
    assert.ok(e.cssProperties?.length, `${e.tagName}: css properties`);
    assert.ok(e.slots?.length, `${e.tagName}: slots`);
  }
  // The log: its ids, its options, its selection event, its parts.
  const log = all.find((e) => e.tagName === 'task-log')!;
  assert.ok(log.summary, 'task-log: summary');
  for (const name of ['project-id', 'task-id', 'timestamps']) assert.ok(log.attributes?.some((a) => a.name === name), `task-log: ${name}`);
  assert.ok(log.events?.some((ev) => ev.name === 'task-log-select'), 'task-log: task-log-select');
  for (const part of ['log', 'line', 'line-number', 'group-header', 'search-input', 'new-lines']) assert.ok(log.cssParts?.some((p) => p.name === part), `task-log: part ${part}`);
  assert.ok(log.cssProperties?.length, 'task-log: css properties');
  const definitions = manifest.modules.flatMap((m) => m.exports ?? []).filter((x) => x.kind === 'custom-element-definition');
  assert.deepEqual(definitions.map((d) => d.name).sort(), ['container-status', 'task-log', 'task-progress', 'workflow-tracker']);
});
