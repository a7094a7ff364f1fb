import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type {
  AuthorizationRule,
  ConfigSnapshot,
  Federation,
  GeneratorEntry,
  StoreEntry,
} from '../resources/model.js';
import { generatorKey } from '../resources/model.js';
import { AuthorizationIndex, generatorGrantKey } from './authorization-index.js';
import { explainIdentity, nearMissReasons } from './explain-identity.js';

const issuer = 'https://oidc.cluster-a.example.com';
const subject = 'system:serviceaccount:app:app-sa';

function rule(overrides: Partial<AuthorizationRule>): AuthorizationRule {
  return {
    name: 'app-a',
    federation: 'cluster-a',
    issuer,
    subject,
    clusterSecretStores: [],
    generators: [],
    generatorStateNamespaces: [],
    ...overrides,
  };
}

function generatorRef(namespace: string, kind: string, name: string) {
  return { namespace, kind, name, apiVersion: 'generators.external-secrets.io/v1alpha1' };
}

// Explaining never calls a provider or a generator, so the entries carry only names.
function store(name: string, providerKey: string): StoreEntry {
  return { name, providerKey, provider: {} as StoreEntry['provider'] };
}

function generator(namespace: string, kind: string, name: string, runs = kind): GeneratorEntry {
  return {
    namespace,
    kind,
    name,
    generatorKind: runs,
    spec: {},
    definition: {} as GeneratorEntry['definition'],
    generator: {} as GeneratorEntry['generator'],
  };
}

function snapshotOf(parts: {
  federations?: Federation[];
  rules: AuthorizationRule[];
  stores?: StoreEntry[];
  generators?: GeneratorEntry[];
}): ConfigSnapshot {
  const federations = parts.federations ?? [{ name: 'cluster-a', url: 'https://api.a' }];
  return {
    federations: new Map(federations.map((federation) => [federation.name, federation])),
    authorizations: parts.rules,
    stores: new Map((parts.stores ?? []).map((entry) => [entry.name, entry])),
    generators: new Map(
      (parts.generators ?? []).map((g) => [generatorKey(g.namespace, g.kind, g.name), g]),
    ),
  };
}

describe('explainIdentity', () => {
  it('lists what the index grants, with the Authorizations that grant each item', () => {
    const snapshot = snapshotOf({
      rules: [
        rule({ name: 'app-a', clusterSecretStores: ['main'], generatorStateNamespaces: ['gen'] }),
        rule({ name: 'app-extra', clusterSecretStores: ['main', 'ghost'] }),
        rule({ name: 'other', subject: 'system:serviceaccount:app:other' }),
      ],
      stores: [store('main', 'fake')],
    });
    const explanation = explainIdentity(snapshot, { issuer, subject });

    assert.equal(explanation.allowed, true);
    assert.equal(explanation.verdict, 'allowed');
    assert.deepEqual(
      explanation.grants.clusterSecretStores.map((s) => [s.name, s.exists, s.provider]),
      [
        ['ghost', false, null],
        ['main', true, 'fake'],
      ],
    );
    const main = explanation.grants.clusterSecretStores[1];
    assert.deepEqual(
      main?.grantedBy.map((reason) => reason.authorization),
      ['app-a', 'app-extra'],
    );
    assert.deepEqual(
      explanation.authorizations.map((verdict) => [verdict.name, verdict.matches]),
      [
        ['app-a', true],
        ['app-extra', true],
      ],
    );

    const index = new AuthorizationIndex(snapshot.authorizations);
    const grants = index.grantsFor({ federation: 'cluster-a', issuer, subject });
    assert.deepEqual(
      explanation.grants.clusterSecretStores.map((s) => s.name),
      [...grants.clusterSecretStores].sort(),
    );
  });

  it('keeps the grants of each federation apart, and merges them only in the union', () => {
    const snapshot = snapshotOf({
      federations: [
        { name: 'cluster-a', url: 'https://api.a', caBundle: 'PEM' },
        { name: 'cluster-b', url: 'https://api.b', issuer, audiences: ['hub'] },
      ],
      rules: [
        rule({ name: 'via-a', clusterSecretStores: ['shared', 'only-a'] }),
        rule({ name: 'via-b', federation: 'cluster-b', clusterSecretStores: ['shared'] }),
      ],
    });
    const explanation = explainIdentity(snapshot, { issuer, subject });

    const [a, b] = explanation.federations;
    assert.equal(a?.isCaBundlePinned, true);
    assert.equal(a?.issuerMatches, null);
    assert.deepEqual(b?.audiences, ['hub']);
    assert.equal(b?.issuerMatches, true);
    assert.deepEqual(
      a?.grants.clusterSecretStores.map((s) => s.name),
      ['only-a', 'shared'],
    );
    assert.deepEqual(
      b?.grants.clusterSecretStores.map((s) => s.name),
      ['shared'],
    );
    const shared = explanation.grants.clusterSecretStores.find((s) => s.name === 'shared');
    assert.deepEqual(shared?.grantedBy, [
      { federation: 'cluster-a', authorization: 'via-a' },
      { federation: 'cluster-b', authorization: 'via-b' },
    ]);
  });

  it('grants nothing through a federation that does not exist or expects another issuer', () => {
    const snapshot = snapshotOf({
      federations: [{ name: 'cluster-b', url: 'https://api.b', issuer: 'https://elsewhere' }],
      rules: [
        rule({ name: 'via-a', clusterSecretStores: ['main'] }),
        rule({ name: 'via-b', federation: 'cluster-b', clusterSecretStores: ['main'] }),
      ],
    });
    const explanation = explainIdentity(snapshot, { issuer, subject });

    assert.equal(explanation.allowed, false);
    assert.match(explanation.verdict, /no matching Authorization trusts a federation/);
    assert.deepEqual(
      explanation.federations.map((check) => [check.name, check.exists, check.canVerify]),
      [
        ['cluster-a', false, false],
        ['cluster-b', true, false],
      ],
    );
    assert.match(explanation.authorizations[0]?.reasons[0] ?? '', /`cluster-a` does not exist/);
    assert.match(explanation.authorizations[1]?.reasons[0] ?? '', /expects issuer/);
  });

  it('resolves a ClusterGenerator without a namespace and names the kind it runs', () => {
    const snapshot = snapshotOf({
      rules: [
        rule({
          generators: [
            generatorRef('gen', 'ClusterGenerator', 'shared'),
            generatorRef('gen', 'Password', 'absent'),
          ],
        }),
      ],
      generators: [generator('', 'ClusterGenerator', 'shared', 'SSHKey')],
    });
    const { generators } = explainIdentity(snapshot, { issuer, subject }).grants;

    assert.deepEqual(
      generators.map((g) => [
        generatorGrantKey(g.namespace, g.kind, g.name),
        g.exists,
        g.generatorKind,
      ]),
      [
        ['gen/ClusterGenerator/shared', true, 'SSHKey'],
        ['gen/Password/absent', false, null],
      ],
    );
  });

  it('denies by default and shows near misses', () => {
    const snapshot = snapshotOf({
      rules: [
        rule({
          name: 'case',
          subject: 'system:serviceaccount:App:app-sa',
          clusterSecretStores: ['s'],
        }),
        rule({ name: 'slash', issuer: `${issuer}/`, clusterSecretStores: ['s'] }),
        rule({ name: 'unrelated', subject: 'system:serviceaccount:app:other' }),
      ],
    });
    const explanation = explainIdentity(snapshot, { issuer, subject });

    assert.equal(explanation.allowed, false);
    assert.equal(explanation.verdict, 'denied by default: no Authorization matches');
    assert.deepEqual(
      explanation.authorizations.map((verdict) => [verdict.name, verdict.matches]),
      [
        ['case', false],
        ['slash', false],
      ],
    );
  });

  it('narrows to one federation and says why the others do not count', () => {
    const snapshot = snapshotOf({
      rules: [rule({ name: 'via-a', clusterSecretStores: ['s'] })],
    });
    const explanation = explainIdentity(snapshot, { issuer, subject, federation: 'cluster-z' });

    assert.equal(explanation.allowed, false);
    assert.deepEqual(
      explanation.federations.map((check) => [check.name, check.isCandidate]),
      [['cluster-z', false]],
    );
    assert.deepEqual(explanation.authorizations[0]?.reasons, [
      'it trusts KubernetesFederation "cluster-a", not "cluster-z"',
    ]);
  });
});

describe('nearMissReasons', () => {
  const query = { issuer, subject };

  it('names a subject that differs in letter case, in whitespace, or both', () => {
    assert.deepEqual(
      nearMissReasons(rule({ subject: 'System:ServiceAccount:app:app-sa' }), query),
      [`subject "System:ServiceAccount:app:app-sa" differs only in letter case`],
    );
    assert.deepEqual(nearMissReasons(rule({ subject: ` ${subject}` }), query), [
      `subject " ${subject}" differs only in whitespace`,
    ]);
    assert.match(
      nearMissReasons(rule({ subject: `${subject.toUpperCase()}\t` }), query)[0] ?? '',
      /only in letter case and whitespace$/,
    );
  });

  it('names an issuer that differs only by a trailing slash', () => {
    assert.deepEqual(nearMissReasons(rule({ issuer: `${issuer}/` }), query), [
      `issuer "${issuer}/" differs only by a trailing slash`,
    ]);
  });

  it('is empty for an exact match and for a different identity', () => {
    assert.deepEqual(nearMissReasons(rule({}), query), []);
    assert.deepEqual(
      nearMissReasons(rule({ subject: 'system:serviceaccount:app:app' }), query),
      [],
    );
    assert.deepEqual(nearMissReasons(rule({ issuer: 'https://other.example.com' }), query), []);
  });
});
