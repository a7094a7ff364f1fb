import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { passwordGenerator } from './index.js';
import { contextWithoutSecrets } from '../../providers/secret-reader.js';

const parse = (spec: unknown) => passwordGenerator.schema.parse(spec);
const check = (spec: unknown) => passwordGenerator.schema.safeParse(spec);

function issueAt(spec: unknown, field: string): string | undefined {
  const result = check(spec);
  return result.error?.issues.find((issue) => issue.path[0] === field)?.message;
}

describe('Password generator', () => {
  it('is the Password kind with the passwordSpec cluster key', () => {
    assert.equal(passwordGenerator.kind, 'Password');
    assert.equal(passwordGenerator.clusterGeneratorKey, 'passwordSpec');
  });

  it('fills the External Secrets Operator defaults', () => {
    assert.deepEqual(parse({}), {
      length: 24,
      symbolCharacters: '~!@#$%^&*()_+`-={}|[]\\:"<>?,./',
      noUpper: false,
      allowRepeat: false,
      secretKeys: ['password'],
      encoding: 'raw',
    });
  });

  it('returns one 24-character password by default, with nothing to revoke', async () => {
    const generator = passwordGenerator.create(parse({}), contextWithoutSecrets);
    const result = await generator.generate();
    assert.deepEqual(Object.keys(result.values), ['password']);
    assert.equal(result.values.password?.length, 24);
    assert.equal(result.providerState, undefined);
    assert.equal(generator.revoke, undefined);
  });

  it('returns an independent password for every secret key', async () => {
    const generator = passwordGenerator.create(
      parse({ secretKeys: ['a', 'b', 'c'] }),
      contextWithoutSecrets,
    );
    const { values } = await generator.generate();
    assert.deepEqual(Object.keys(values).sort(), ['a', 'b', 'c']);
    assert.equal(new Set(Object.values(values)).size, 3);
  });

  it('treats an empty secretKeys list as the default', async () => {
    const { values } = await passwordGenerator
      .create(parse({ secretKeys: [] }), contextWithoutSecrets)
      .generate();
    assert.deepEqual(Object.keys(values), ['password']);
  });

  it('applies the encoding to each password', async () => {
    const spec = parse({ length: 10, digits: 0, symbols: 0, encoding: 'hex' });
    const { values } = await passwordGenerator.create(spec, contextWithoutSecrets).generate();
    const decoded = Buffer.from(values.password ?? '', 'hex').toString('utf8');
    assert.match(decoded, /^[A-Za-z]{10}$/);
  });

  it('defaults digits and symbols to a quarter of the length, rounded down', async () => {
    const { values } = await passwordGenerator
      .create(parse({ length: 10 }), contextWithoutSecrets)
      .generate();
    const password = values.password ?? '';
    assert.equal(password.replace(/[^0-9]/g, '').length, 2);
    assert.equal(password.replace(/[A-Za-z0-9]/g, '').length, 2);
  });

  it('rejects unknown fields, wrong types and unknown encodings', () => {
    assert.equal(check({ lenght: 10 }).success, false);
    assert.equal(check({ length: 10.5 }).success, false);
    assert.equal(check({ length: 0 }).success, false);
    assert.equal(check({ digits: -1 }).success, false);
    assert.equal(check({ encoding: 'base58' }).success, false);
  });

  it('rejects digits plus symbols longer than the length', () => {
    assert.match(issueAt({ length: 8, digits: 5, symbols: 4 }, 'length') ?? '', /exceed length/);
  });

  it('rejects counts that need repeated characters unless allowRepeat is set', () => {
    assert.match(issueAt({ length: 20, digits: 11 }, 'digits') ?? '', /allowRepeat/);
    assert.match(
      issueAt({ length: 40, digits: 5, symbols: 5, noUpper: true }, 'length') ?? '',
      /distinct letters/,
    );
    assert.equal(check({ length: 20, digits: 11, allowRepeat: true }).success, true);
  });

  it('rejects duplicate or empty secret keys', () => {
    assert.match(issueAt({ secretKeys: ['a', 'a'] }, 'secretKeys') ?? '', /unique/);
    assert.equal(check({ secretKeys: [''] }).success, false);
  });

  it('refuses to create a generator from a spec that bypassed the schema', () => {
    const spec = { ...parse({}), digits: 30 };
    assert.throws(() => passwordGenerator.create(spec, contextWithoutSecrets), RangeError);
  });

  it('converts to a JSON schema with defaults and descriptions', () => {
    const schema = z.toJSONSchema(passwordGenerator.schema) as {
      additionalProperties: boolean;
      properties: Record<string, { default?: unknown; description?: string }>;
    };
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.length?.default, 24);
    assert.deepEqual(schema.properties.secretKeys?.default, ['password']);
    for (const [field, property] of Object.entries(schema.properties)) {
      assert.ok(property.description, `${field} has no description`);
    }
  });
});
