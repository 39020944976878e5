/** The README's API reference is generated from custom-elements.json (`npm run build:readme`): this fails when it is out of date. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { render, withSection } from '../../scripts/api-docs.js';

test('the README API reference matches custom-elements.json and the event detail types', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const expected = withSection(readme, render());
  assert.ok(expected === readme, 'README.md: the API reference is out of date: run `npm run build:readme`');
  for (const tag of ['task-progress', 'workflow-tracker', 'container-status', 'task-log']) assert.ok(readme.includes(`### \`<${tag}>\``), `README documents <${tag}>`);
});
