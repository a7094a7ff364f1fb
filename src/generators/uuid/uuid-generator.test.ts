import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { uuidGenerator } from './index.js';
import { contextWithoutSecrets } from '../../providers/secret-reader.js';

const version4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('UUID generator', () => {
  it('is the UUID kind with the uuidSpec cluster key', () => {
    assert.equal(uuidGenerator.kind, 'UUID');
    assert.equal(uuidGenerator.clusterGeneratorKey, 'uuidSpec');
  });

  it('returns a fresh version 4 UUID under uuid on every call', async () => {
    const generator = uuidGenerator.create(uuidGenerator.schema.parse({}), contextWithoutSecrets);
    const first = await generator.generate();
    const second = await generator.generate();
    assert.deepEqual(Object.keys(first.values), ['uuid']);
    assert.match(first.values.uuid ?? '', version4);
    assert.notEqual(first.values.uuid, second.values.uuid);
    assert.equal(first.providerState, undefined);
    assert.equal(generator.revoke, undefined);
  });

  it('rejects any field in its spec', () => {
    assert.equal(uuidGenerator.schema.safeParse({ version: 7 }).success, false);
  });
});
