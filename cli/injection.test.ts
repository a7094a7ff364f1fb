import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CliError, exitCodes } from './exit-codes.js';
import { environmentFor, everyVariable, filesFor, variableNameOf } from './injection.js';
import { resolveKey, selectProperty } from './key-bag.js';
import type { FetchResults } from './key-bag.js';

const credentials = JSON.stringify({ username: 'app', port: 5432, nested: { a: [1, 'two'] } });

function results(
  secrets: Record<string, string>,
  generators: Record<string, Record<string, string>> = {},
): FetchResults {
  return {
    secrets: new Map(Object.entries(secrets)),
    generators: new Map(Object.entries(generators)),
  };
}

function injectionFailure(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof CliError);
    assert.equal(error.code, exitCodes.injection);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('key resolution', () => {
  const bag = results(
    { 'db/credentials': credentials, hello: 'world', 'app.config': '{"a":"b"}', app: 'x' },
    { 'ns/Password/pw': { password: 'secret-pw' }, 'ns/Fake/f': { token: '{"k":"v"}' } },
  );

  it('finds a secret by its name, and a property of its JSON', () => {
    assert.equal(resolveKey(bag, 'hello'), 'world');
    assert.equal(resolveKey(bag, 'db/credentials'), credentials);
    assert.equal(resolveKey(bag, 'db/credentials.username'), 'app');
    assert.equal(resolveKey(bag, 'db/credentials.port'), '5432');
    assert.equal(resolveKey(bag, 'db/credentials.nested'), '{"a":[1,"two"]}');
    assert.equal(resolveKey(bag, 'db/credentials.nested.a.1'), 'two');
  });

  it('prefers the longest secret name, so names holding dots work', () => {
    assert.equal(resolveKey(bag, 'app.config'), '{"a":"b"}');
    assert.equal(resolveKey(bag, 'app.config.a'), 'b');
  });

  it('falls back to generator output keys, with properties too', () => {
    assert.equal(resolveKey(bag, 'password'), 'secret-pw');
    assert.equal(resolveKey(bag, 'token.k'), 'v');
  });

  it('names the missing key or property, never a value', () => {
    injectionFailure(() => resolveKey(bag, 'absent'), /key 'absent' is missing/);
    injectionFailure(
      () => resolveKey(bag, 'db/credentials.nope'),
      /'db\/credentials\.nope' is missing: secret 'db\/credentials' has no property 'nope'/,
    );
    injectionFailure(() => resolveKey(bag, 'hello.x'), /no property 'x'/);
    assert.throws(
      () => resolveKey(bag, 'db/credentials.nope'),
      (error: Error) => !error.message.includes('app'),
    );
  });

  it('refuses a key that two generators output', () => {
    const twice = results({}, { 'a/UUID/one': { uuid: '1' }, 'a/UUID/two': { uuid: '2' } });
    injectionFailure(() => resolveKey(twice, 'uuid'), /'uuid' is ambiguous: .*one and .*two/);
  });

  it('reads property paths with escaped dots', () => {
    assert.equal(selectProperty('{"a":{"b":1}}', 'a..b'), undefined);
    assert.equal(selectProperty('{"a":1}', 'a\\'), undefined);
    assert.equal(selectProperty('{"a":[{"b":"x"}]}', 'a.0.b'), 'x');
    assert.equal(selectProperty('{"a.b":{"c":true}}', 'a\\.b.c'), 'true');
    assert.equal(selectProperty('not json', 'a'), undefined);
  });
});

describe('variable names and environment injection', () => {
  it('names variables after keys', () => {
    assert.equal(variableNameOf('db-user'), 'DB_USER');
    assert.equal(variableNameOf('db/credentials'), 'DB_CREDENTIALS');
    assert.equal(variableNameOf('privateKey'), 'PRIVATEKEY');
    assert.equal(variableNameOf('2fa.seed'), '_2FA_SEED');
    assert.equal(variableNameOf('ünï'), '_N_');
  });

  it('expands * into one variable per member, plain secret and generator key', () => {
    const bag = results(
      { 'db/credentials': credentials, hello: 'world', list: '[1,2]' },
      { 'ns/SSHKey/k': { privateKey: 'p', publicKey: 'q' } },
    );
    assert.deepEqual(Object.fromEntries(everyVariable(bag)), {
      USERNAME: 'app',
      PORT: '5432',
      NESTED: '{"a":[1,"two"]}',
      HELLO: 'world',
      LIST: '[1,2]',
      PRIVATEKEY: 'p',
      PUBLICKEY: 'q',
    });
  });

  it('refuses two sources of one variable under *, naming it', () => {
    const bag = results({ a: '{"password":"x"}' }, { 'ns/Password/pw': { password: 'y' } });
    injectionFailure(
      () => everyVariable(bag),
      /PASSWORD would come from both member 'password' of secret 'a' and key 'password' of generator ns\/Password\/pw/,
    );
    injectionFailure(() => everyVariable(results({ 'a-b': '1', a_b: '2' })), /A_B/);
  });

  it('lets an explicit mapping override a * variable of the same name', () => {
    const bag = results({ hello: 'world', other: 'x' });
    const env = environmentFor(bag, {
      everything: true,
      mappings: [{ variable: 'HELLO', key: 'other' }],
    });
    assert.deepEqual(Object.fromEntries(env), { HELLO: 'x', OTHER: 'x' });
  });

  it('lets an explicit mapping settle a clash under *', () => {
    const bag = results({ a: '{"password":"x"}' }, { 'ns/Password/pw': { password: 'y' } });
    const env = environmentFor(bag, {
      everything: true,
      mappings: [{ variable: 'PASSWORD', key: 'a.password' }],
    });
    assert.deepEqual(Object.fromEntries(env), { PASSWORD: 'x' });
  });

  it('injects only the named keys without *', () => {
    const bag = results({ hello: 'world', other: 'x' });
    const env = environmentFor(bag, {
      everything: false,
      mappings: [{ variable: 'G', key: 'hello' }],
    });
    assert.deepEqual(Object.fromEntries(env), { G: 'world' });
  });

  it('refuses a value holding a NUL character', () => {
    const bag = results({ bad: 'a\0b' });
    injectionFailure(
      () => environmentFor(bag, { everything: false, mappings: [{ variable: 'B', key: 'bad' }] }),
      /B holds a NUL character/,
    );
  });

  it('gives files their values, a JSON object as JSON text', () => {
    const bag = results({ 'db/credentials': credentials });
    assert.deepEqual(
      filesFor(bag, [
        { path: '/x/creds.json', key: 'db/credentials' },
        { path: '/x/nested', key: 'db/credentials.nested' },
      ]),
      [
        { path: '/x/creds.json', content: credentials },
        { path: '/x/nested', content: '{"a":[1,"two"]}' },
      ],
    );
  });
});
