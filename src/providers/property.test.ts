import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { FederationError, type Reason } from '../errors.js';
import { splitPropertyPath } from '../property-path.js';
import { selectProperty } from './property.js';

function assertReason(run: () => unknown, reason: Reason): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof FederationError);
    assert.equal(error.reason, reason);
    return true;
  });
}

const document = JSON.stringify({
  user: { name: 'alice', age: 42, admin: false, nick: null },
  'db.host': 'db.internal',
  'back\\slash': 'yes',
  hosts: ['a.example', { port: 5432 }],
  '0': 'zero key',
});

describe('splitPropertyPath', () => {
  it('splits on dots and keeps escaped dots and backslashes in the key', () => {
    assert.deepEqual(splitPropertyPath('a.b.c'), ['a', 'b', 'c']);
    assert.deepEqual(splitPropertyPath('db\\.host.port'), ['db.host', 'port']);
    assert.deepEqual(splitPropertyPath('a\\\\b'), ['a\\b']);
  });

  it('rejects empty segments and a trailing backslash', () => {
    assert.equal(splitPropertyPath('a..b'), 'empty-segment');
    assert.equal(splitPropertyPath('.a'), 'empty-segment');
    assert.equal(splitPropertyPath('a\\'), 'lone-backslash');
    assertReason(() => selectProperty(document, 'a..b'), 'InvalidRemoteRef');
    assertReason(() => selectProperty(document, 'a\\'), 'InvalidRemoteRef');
  });
});

describe('selectProperty', () => {
  it('returns a nested string as it is', () => {
    assert.equal(selectProperty(document, 'user.name'), 'alice');
  });

  it('returns numbers, booleans and null as JSON text', () => {
    assert.equal(selectProperty(document, 'user.age'), '42');
    assert.equal(selectProperty(document, 'user.admin'), 'false');
    assert.equal(selectProperty(document, 'user.nick'), 'null');
  });

  it('returns objects and arrays as JSON text', () => {
    assert.deepEqual(JSON.parse(selectProperty(document, 'user')), {
      name: 'alice',
      age: 42,
      admin: false,
      nick: null,
    });
    assert.equal(selectProperty(document, 'hosts.1'), '{"port":5432}');
  });

  it('selects array elements by numeric index', () => {
    assert.equal(selectProperty(document, 'hosts.0'), 'a.example');
    assert.equal(selectProperty(document, 'hosts.1.port'), '5432');
  });

  it('reads keys that contain escaped dots or backslashes', () => {
    assert.equal(selectProperty(document, 'db\\.host'), 'db.internal');
    assert.equal(selectProperty(document, 'back\\\\slash'), 'yes');
  });

  it('treats a numeric segment as a key on objects', () => {
    assert.equal(selectProperty(document, '0'), 'zero key');
  });

  it('answers NotFound for a missing path or an unusable array index', () => {
    assertReason(() => selectProperty(document, 'user.email'), 'NotFound');
    assertReason(() => selectProperty(document, 'hosts.2'), 'NotFound');
    assertReason(() => selectProperty(document, 'hosts.01'), 'NotFound');
    assertReason(() => selectProperty(document, 'hosts.length'), 'NotFound');
    assertReason(() => selectProperty(document, 'user.name.first'), 'NotFound');
  });

  it('does not reach inherited object properties', () => {
    assertReason(() => selectProperty(document, 'user.constructor'), 'NotFound');
    assertReason(() => selectProperty(document, '__proto__'), 'NotFound');
  });

  it('answers NotFound when the value is not JSON', () => {
    assertReason(() => selectProperty('plain text', 'user'), 'NotFound');
  });
});
