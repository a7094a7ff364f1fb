import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { AuthorizationRule, Federation } from '../resources/model.js';
import { AuthorizationIndex, generatorGrantKey } from './authorization-index.js';

function rule(overrides: Partial<AuthorizationRule>): AuthorizationRule {
  return {
    name: 'r',
    federation: 'cluster-a',
    issuer: 'https://issuer-a',
    subject: 'system:serviceaccount:app:sa',
    clusterSecretStores: [],
    generators: [],
    generatorStateNamespaces: [],
    ...overrides,
  };
}

const identityA = {
  federation: 'cluster-a',
  issuer: 'https://issuer-a',
  subject: 'system:serviceaccount:app:sa',
};

describe('AuthorizationIndex', () => {
  it('denies by default', () => {
    const grants = new AuthorizationIndex([]).grantsFor(identityA);
    assert.equal(grants.clusterSecretStores.size, 0);
    assert.equal(grants.generators.size, 0);
  });

  it('merges every rule for the same identity', () => {
    const index = new AuthorizationIndex([
      rule({ name: 'one', clusterSecretStores: ['s1'] }),
      rule({
        name: 'two',
        clusterSecretStores: ['s2'],
        generators: [
          { namespace: 'gen', kind: 'Password', name: 'p', apiVersion: 'generators/v1alpha1' },
        ],
        generatorStateNamespaces: ['gen'],
      }),
    ]);
    const grants = index.grantsFor(identityA);
    assert.deepEqual([...grants.clusterSecretStores].sort(), ['s1', 's2']);
    assert.ok(grants.generators.has(generatorGrantKey('gen', 'Password', 'p')));
    assert.ok(grants.generatorStateNamespaces.has('gen'));
    assert.deepEqual(grants.rules, ['one', 'two']);
  });

  it('never lends one federation the grants of another with the same issuer and subject', () => {
    const index = new AuthorizationIndex([
      rule({ federation: 'cluster-b', clusterSecretStores: ['s'] }),
    ]);
    assert.equal(index.grantsFor(identityA).clusterSecretStores.size, 0);
    assert.ok(
      index.grantsFor({ ...identityA, federation: 'cluster-b' }).clusterSecretStores.has('s'),
    );
  });

  it('matches issuer and subject exactly and case-sensitively', () => {
    const index = new AuthorizationIndex([rule({ clusterSecretStores: ['s'] })]);
    const upper = { ...identityA, subject: identityA.subject.toUpperCase() };
    assert.equal(index.grantsFor(upper).clusterSecretStores.size, 0);
    const slash = { ...identityA, issuer: `${identityA.issuer}/` };
    assert.equal(index.grantsFor(slash).clusterSecretStores.size, 0);
  });

  it('lists candidate federations for an issuer, in name order, skipping missing ones', () => {
    const index = new AuthorizationIndex([
      rule({ federation: 'zeta' }),
      rule({ federation: 'alpha' }),
      rule({ federation: 'gone' }),
      rule({ federation: 'other', issuer: 'https://issuer-b' }),
    ]);
    const federations = new Map<string, Federation>([
      ['zeta', { name: 'zeta', url: 'https://z' }],
      ['alpha', { name: 'alpha', url: 'https://a' }],
      ['other', { name: 'other', url: 'https://o' }],
    ]);
    const names = index.candidateFederations('https://issuer-a', federations).map((f) => f.name);
    assert.deepEqual(names, ['alpha', 'zeta']);
    assert.deepEqual(index.candidateFederations('https://nobody', federations), []);
  });
});
