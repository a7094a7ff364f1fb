import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import type { GeneratorDefinition } from '../generators/generator.js';
import type { ProviderDefinition, SecretProvider } from '../providers/provider.js';
import { generatorKey, secretKey } from './model.js';
import type { Resource, ResourceRef } from './resource.js';
import { SnapshotBuilder } from './snapshot-builder.js';

interface SpyProvider extends SecretProvider {
  spec: unknown;
  isClosed: boolean;
}

function spyProviders(options: { failOn?: unknown } = {}) {
  const created: SpyProvider[] = [];
  const definition: ProviderDefinition = {
    key: 'spy',
    schema: z.unknown(),
    create(spec) {
      if (JSON.stringify(spec) === JSON.stringify(options.failOn)) throw new Error('bad spec');
      const provider: SpyProvider = {
        spec,
        isClosed: false,
        getSecret: async () => 'value',
        close: async () => {
          provider.isClosed = true;
        },
      };
      created.push(provider);
      return provider;
    },
  };
  return { definition, created };
}

function spyGenerators() {
  let creations = 0;
  const definition: GeneratorDefinition = {
    kind: 'Spy',
    clusterGeneratorKey: 'spySpec',
    schema: z.unknown(),
    create() {
      creations++;
      return { generate: async () => ({ values: {} }) };
    },
  };
  return { definition, creations: () => creations };
}

function ref(kind: string, name: string, namespace = ''): ResourceRef {
  return {
    apiVersion: 'x/v1',
    kind,
    namespace,
    name,
    origin: { file: 'f.yaml', documentIndex: 1 },
  };
}

function store(definition: ProviderDefinition, name: string, providerSpec: unknown): Resource {
  return {
    type: 'store',
    ref: ref('ClusterSecretStore', name),
    providerKey: 'spy',
    providerSpec,
    definition,
  };
}

function generator(
  definition: GeneratorDefinition,
  spec: unknown,
  kind = 'Spy',
  namespace = 'gen',
): Resource {
  return {
    type: 'generator',
    ref: ref(kind, 'g', namespace),
    generatorKind: 'Spy',
    spec,
    definition,
  };
}

function authorization(name: string): Resource {
  const rule = {
    name,
    federation: 'f',
    issuer: 'i',
    subject: 's',
    clusterSecretStores: [],
    generators: [],
    generatorStateNamespaces: [],
  };
  return { type: 'authorization', ref: ref('Authorization', name), rule };
}

describe('SnapshotBuilder', () => {
  it('builds every map of the snapshot from the resources', () => {
    const providers = spyProviders();
    const generators = spyGenerators();
    const { snapshot, problems } = new SnapshotBuilder().build([
      {
        type: 'federation',
        ref: ref('KubernetesFederation', 'f'),
        federation: { name: 'f', url: 'https://f' },
      },
      authorization('zeta'),
      authorization('alpha'),
      store(providers.definition, 'central', { a: 1 }),
      generator(generators.definition, {}),
      generator(generators.definition, {}, 'ClusterGenerator', ''),
      {
        type: 'secret',
        ref: ref('Secret', 'db', 'apps'),
        secret: { namespace: 'apps', name: 'db', type: 'Opaque', data: {} },
      },
    ]);
    assert.deepEqual(problems, []);
    assert.deepEqual([...snapshot.federations.keys()], ['f']);
    assert.deepEqual(
      snapshot.authorizations.map((rule) => rule.name),
      ['alpha', 'zeta'],
    );
    assert.equal(snapshot.stores.get('central')?.providerKey, 'spy');
    assert.deepEqual(
      [...snapshot.generators.keys()],
      [generatorKey('gen', 'Spy', 'g'), generatorKey('', 'ClusterGenerator', 'g')],
    );
    assert.equal(
      snapshot.generators.get(generatorKey('', 'ClusterGenerator', 'g'))?.generatorKind,
      'Spy',
    );
    assert.equal(snapshot.secrets?.get(secretKey('apps', 'db'))?.name, 'db');
  });

  it('reuses a provider whose spec did not change, whatever the key order', () => {
    const providers = spyProviders();
    const builder = new SnapshotBuilder();
    const first = builder.build([store(providers.definition, 'central', { a: 1, b: 2 })]).snapshot;
    const second = builder.build([store(providers.definition, 'central', { b: 2, a: 1 })]).snapshot;
    assert.equal(providers.created.length, 1);
    assert.equal(second.stores.get('central')?.provider, first.stores.get('central')?.provider);
    assert.equal(providers.created[0]?.isClosed, false);
  });

  it('closes the provider of a store that was changed or removed', async () => {
    const providers = spyProviders();
    const builder = new SnapshotBuilder();
    builder.build([
      store(providers.definition, 'changed', { v: 1 }),
      store(providers.definition, 'removed', {}),
    ]);
    builder.build([store(providers.definition, 'changed', { v: 2 })]);
    await builder.close();
    assert.deepEqual(
      providers.created.map((provider) => [provider.spec, provider.isClosed]),
      [
        [{ v: 1 }, true],
        [{}, true],
        [{ v: 2 }, true],
      ],
    );
  });

  it('keeps live providers open until the builder is closed', async () => {
    const providers = spyProviders();
    const builder = new SnapshotBuilder();
    builder.build([store(providers.definition, 'central', {})]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(providers.created[0]?.isClosed, false);
    await builder.close();
    assert.equal(providers.created[0]?.isClosed, true);
  });

  it('reuses a generator whose spec did not change and rebuilds a changed one', () => {
    const generators = spyGenerators();
    const builder = new SnapshotBuilder();
    builder.build([generator(generators.definition, { length: 8 })]);
    builder.build([generator(generators.definition, { length: 8 })]);
    assert.equal(generators.creations(), 1);
    builder.build([generator(generators.definition, { length: 9 })]);
    assert.equal(generators.creations(), 2);
  });

  it('refuses a namespaced generator that references a Secret of another namespace', () => {
    const generators = spyGenerators();
    const builder = new SnapshotBuilder();
    const foreign = {
      auth: {
        secretRef: { accessKeyIDSecretRef: { name: 'hub-keys', key: 'id', namespace: 'hub' } },
      },
    };
    const result = builder.build([generator(generators.definition, foreign)]);
    assert.deepEqual(
      result.problems.map((problem) => `${problem.path}: ${problem.message}`),
      [
        'spec: cannot create the generator: spec.auth.secretRef.accessKeyIDSecretRef names namespace hub; a generator of namespace gen may only reference Secrets of its own namespace',
      ],
    );
    assert.equal(result.snapshot.generators.size, 0);
    assert.equal(generators.creations(), 0);

    const own = { caProvider: { type: 'Secret', name: 'ca', key: 'ca.crt', namespace: 'gen' } };
    assert.deepEqual(builder.build([generator(generators.definition, own)]).problems, []);
    const cluster = builder.build([generator(generators.definition, foreign, 'Spy', '')]);
    assert.deepEqual(cluster.problems, []);
  });

  it('reports a provider that cannot be created and keeps the previous one', () => {
    const providers = spyProviders({ failOn: { broken: true } });
    const builder = new SnapshotBuilder();
    const first = builder.build([store(providers.definition, 'central', { ok: true })]).snapshot;
    const second = builder.build([store(providers.definition, 'central', { broken: true })]);
    assert.deepEqual(
      second.problems.map((problem) => `${problem.path}: ${problem.message}`),
      ['spec.provider.spy: cannot create the provider: bad spec'],
    );
    assert.equal(
      second.snapshot.stores.get('central')?.provider,
      first.stores.get('central')?.provider,
    );
    assert.equal(providers.created[0]?.isClosed, false);
  });
});
