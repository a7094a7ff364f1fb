import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { z } from 'zod';

import { findGenerator, generatorDefinitions } from './registry.js';

describe('generator registry', () => {
  it('registers every kind with its ClusterGenerator key', () => {
    const keys = Object.fromEntries(
      generatorDefinitions.map((definition) => [definition.kind, definition.clusterGeneratorKey]),
    );
    assert.deepEqual(keys, {
      Password: 'passwordSpec',
      UUID: 'uuidSpec',
      Fake: 'fakeSpec',
      SSHKey: 'sshKeySpec',
      STSSessionToken: 'stsSessionTokenSpec',
      ECRAuthorizationToken: 'ecrAuthorizationTokenSpec',
      Webhook: 'webhookSpec',
      VaultDynamicSecret: 'vaultDynamicSecretSpec',
    });
  });

  it('finds a generator by its exact kind only', () => {
    assert.equal(findGenerator('SSHKey')?.clusterGeneratorKey, 'sshKeySpec');
    assert.equal(findGenerator('sshkey'), undefined);
  });

  it('has schemas that convert to JSON schemas rejecting unknown fields', () => {
    for (const definition of generatorDefinitions) {
      const schema = z.toJSONSchema(definition.schema) as { additionalProperties?: boolean };
      assert.equal(schema.additionalProperties, false, definition.kind);
    }
  });
});
