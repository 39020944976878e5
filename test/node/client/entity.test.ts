/** The one model of an entity: its key, the key read back, and its matcher. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { entityKey, filterKey, identityOf, matches, parseEntityKey } from '../../../src/protocol/entity.js';

describe('entity', () => {
  const task = { projectId: 'p\u00001', taskId: 't:1' };
  const run = { projectId: 'p', workflowId: 'w', executionId: 'e' };

  it('keys an entity as its identity, and reads the key back', () => {
    assert.equal(entityKey('task', task), filterKey(identityOf('task', task)));
    assert.equal(entityKey('workflow', run), filterKey(identityOf('workflow', run)));
    assert.deepEqual(parseEntityKey(entityKey('workflow', run)), { kind: 'workflow', executionId: 'e' });
    assert.deepEqual(parseEntityKey(entityKey('container', { projectId: 'p', containerId: 'c' })), { kind: 'container', projectId: 'p', containerId: 'c' });
    assert.equal(parseEntityKey('not a key'), undefined);
    assert.equal(parseEntityKey(filterKey({ kind: 'task', projectId: 'p' })), undefined, 'a filter of many entities is no identity');
  });

  it('matches what a filter names, an id left out matching any', () => {
    assert.ok(matches({ kind: 'workflow', workflowId: 'w' }, 'workflow', run));
    assert.ok(!matches({ kind: 'workflow', workflowId: 'w', projectId: 'q' }, 'workflow', run));
    assert.ok(!matches({ kind: 'task', taskId: 'e' }, 'workflow', run), 'another kind');
    assert.ok(matches({ kind: 'task' }, 'task', task));
  });
});
