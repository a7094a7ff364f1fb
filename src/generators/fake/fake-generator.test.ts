import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { fakeGenerator } from './index.js';
import { contextWithoutSecrets } from '../../providers/secret-reader.js';

const create = (spec: unknown) =>
  fakeGenerator.create(fakeGenerator.schema.parse(spec), contextWithoutSecrets);

describe('Fake generator', () => {
  it('is the Fake kind with the fakeSpec cluster key', () => {
    assert.equal(fakeGenerator.kind, 'Fake');
    assert.equal(fakeGenerator.clusterGeneratorKey, 'fakeSpec');
  });

  it('returns its data on every call, with nothing to revoke', async () => {
    const generator = create({ data: { username: 'demo', password: 'hunter2' } });
    const result = await generator.generate();
    assert.deepEqual(result.values, { username: 'demo', password: 'hunter2' });
    assert.deepEqual((await generator.generate()).values, result.values);
    assert.equal(result.providerState, undefined);
    assert.equal(generator.revoke, undefined);
  });

  it('hands out copies that a caller cannot use to change later answers', async () => {
    const generator = create({ data: { key: 'value' } });
    (await generator.generate()).values.key = 'changed';
    assert.deepEqual((await generator.generate()).values, { key: 'value' });
  });

  it('returns no values when data is absent', async () => {
    assert.deepEqual((await create({ controller: 'dev' }).generate()).values, {});
  });

  it('rejects non-string values and unknown fields', () => {
    assert.equal(fakeGenerator.schema.safeParse({ data: { port: 5432 } }).success, false);
    assert.equal(fakeGenerator.schema.safeParse({ dat: {} }).success, false);
  });
});
