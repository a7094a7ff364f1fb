import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { parseAllDocuments } from 'yaml';

import { buildCrds, type CustomResourceDefinition } from '../../src/resources/crds/index.js';
import { findResourceKind } from '../../src/resources/index.js';
import { repoPath } from '../support/repo.js';
import {
  resourcePath,
  startKubeApiServer,
  type KubeApiServer,
  type KubeObject,
} from '../support/kube-api-server.js';
import {
  clusterGenerator,
  fakeStore,
  generatorState,
  otherGenerators,
  passwordGenerator,
  seedAuthorization,
  seedAuthorizationWithTypo,
  seedFederation,
} from './crd-objects.js';

const crds = buildCrds();

function crdOf(apiVersion: string, kind: string): CustomResourceDefinition {
  const crd = crds.find(
    (item) =>
      `${item.spec.group}/${item.spec.versions[0]?.name}` === apiVersion &&
      item.spec.names.kind === kind,
  );
  assert.ok(crd, `no CRD for ${kind} in ${apiVersion}`);
  return crd;
}

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
}

/** Every manifest in the YAML examples of docs/resources.md that has a CRD. */
function documentedManifests(): Manifest[] {
  const doc = readFileSync(repoPath('docs', 'resources.md'), 'utf8');
  const blocks = [...doc.matchAll(/^```yaml\n([^]*?)^```/gm)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => parseAllDocuments(block).map((document) => document.toJSON() as Manifest))
    .filter((manifest) => crds.some((crd) => crd.spec.names.kind === manifest?.kind));
}

function pathOf(object: Manifest): string {
  return resourcePath(crdOf(object.apiVersion, object.kind), object.metadata.namespace);
}

describe('CustomResourceDefinitions on a real API server', () => {
  let kube: KubeApiServer;

  // Strict field validation is what kubectl asks for by default: unknown fields are errors.
  const create = (object: Manifest) =>
    kube.request('POST', `${pathOf(object)}?fieldValidation=Strict`, { body: object });

  async function createOk(object: Manifest): Promise<KubeObject> {
    const created = await create(object);
    assert.equal(created.status, 201, `${object.kind}: ${created.body.message}`);
    return created.body;
  }

  before(async () => {
    kube = await startKubeApiServer();
    await kube.installCrds();
  });

  after(async () => {
    await kube?.stop();
  });

  it('installs every CRD, each with its names accepted and established', async () => {
    const listed = await kube.request(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    );
    const installed = new Map((listed.body.items ?? []).map((item) => [item.metadata?.name, item]));
    assert.equal(installed.size, crds.length);
    for (const crd of crds) {
      const status = installed.get(crd.metadata.name)?.status as {
        conditions: { type: string; status: string }[];
      };
      for (const type of ['NamesAccepted', 'Established']) {
        const condition = status.conditions.find((item) => item.type === type);
        assert.equal(condition?.status, 'True', `${crd.metadata.name} ${type}`);
      }
    }
  });

  it("accepts the seed's KubernetesFederation in both API groups", async () => {
    for (const apiVersion of findResourceKind('KubernetesFederation')?.apiVersions ?? []) {
      const created = await createOk(seedFederation(apiVersion));
      assert.equal(created.apiVersion, apiVersion);
    }
  });

  it('accepts a URL scheme in capitals, as the server does', async () => {
    const federation = seedFederation('federation.external-secrets.io/v1alpha1', 'capitals');
    const spec = { url: 'HTTPS://api.capitals.example.com' };
    assert.ok(
      findResourceKind('KubernetesFederation')?.schema.safeParse({ ...federation, spec }).success,
    );
    await createOk({ ...federation, spec });
  });

  it("rejects the seed's Authorization with the `_spec` typo, naming the field", async () => {
    const strict = await create(seedAuthorizationWithTypo as Manifest);
    assert.equal(strict.status, 400);
    assert.match(strict.body.message ?? '', /unknown field "_spec"/);

    // A client that asks for no field validation still cannot store it: spec is required.
    const lax = await kube.request('POST', pathOf(seedAuthorizationWithTypo as Manifest), {
      body: seedAuthorizationWithTypo,
    });
    assert.equal(lax.status, 422);
    assert.match(lax.body.message ?? '', /spec: Required value/);
  });

  it("accepts the seed's Authorization with spec spelt right, unchanged", async () => {
    const created = await createOk(seedAuthorization);
    assert.deepEqual(created.spec, seedAuthorization.spec);
  });

  it('accepts a Password generator, every other generator kind, a store and a state', async () => {
    for (const object of [passwordGenerator, ...otherGenerators, fakeStore, clusterGenerator]) {
      const created = await createOk(object);
      assert.deepEqual(created.spec, object.spec, object.kind);
    }
    const state = await createOk(generatorState);
    assert.deepEqual(state.spec, generatorState.spec);
  });

  it('hands back objects that the server validation accepts as they are', async () => {
    const identityFederation = seedFederation('identity.federation.external-secrets.io/v1alpha1');
    const objects = [identityFederation, seedAuthorization, passwordGenerator, fakeStore];
    for (const object of [...objects, ...otherGenerators, clusterGenerator]) {
      const read = await kube.request('GET', `${pathOf(object)}/${object.metadata.name}`);
      assert.equal(read.status, 200);
      const parsed = findResourceKind(object.kind)?.schema.safeParse(read.body);
      assert.ok(parsed?.success, `${object.kind}: ${JSON.stringify(parsed?.error?.issues)}`);
    }
  });

  it('accepts every example of docs/resources.md that the server accepts', async () => {
    // Examples shortened for reading (a cut PEM) are not valid anywhere; the rest must be.
    const examples = documentedManifests().filter(
      (example) => findResourceKind(example.kind)?.schema.safeParse(example).success,
    );
    assert.ok(examples.length >= 7, `only ${examples.length} valid examples`);
    for (const [index, example] of examples.entries()) {
      const name = `doc-${index}-${example.metadata.name}`;
      const created = await create({ ...example, metadata: { ...example.metadata, name } });
      assert.equal(created.status, 201, `${example.kind} ${name}: ${created.body.message}`);
    }
  });

  it('rejects an unknown field, naming its path', async () => {
    const federation = seedFederation('federation.external-secrets.io/v1alpha1', 'typo');
    const created = await create({ ...federation, spec: { ...federation.spec, jwksUrl: 'x' } });
    assert.equal(created.status, 400);
    assert.match(created.body.message ?? '', /unknown field "spec\.jwksUrl"/);
  });

  it('rejects a value of the wrong type, naming the field', async () => {
    const spec = { ...seedAuthorization.spec, subject: { issuer: 42, subject: 'x' } };
    const created = await create({
      ...seedAuthorization,
      metadata: { name: 'wrong' },
      spec,
    } as Manifest);
    assert.equal(created.status, 422);
    assert.match(created.body.message ?? '', /spec\.subject\.issuer: Invalid value: "integer"/);
  });

  it('rejects a missing required field, naming it', async () => {
    const created = await create({
      ...fakeStore,
      metadata: { name: 'no-provider' },
      spec: {},
    } as Manifest);
    assert.equal(created.status, 422);
    assert.match(created.body.message ?? '', /spec\.provider: Required value/);

    const state = { ...generatorState, metadata: { ...generatorState.metadata, name: 'no-state' } };
    const spec: Record<string, unknown> = { ...generatorState.spec };
    delete spec.state;
    const stateless = await create({ ...state, spec });
    assert.equal(stateless.status, 422);
    assert.match(stateless.body.message ?? '', /spec\.state: Required value/);
  });

  it('rejects a ClusterGenerator or store that names no block, or two', async () => {
    const empty = { ...clusterGenerator, metadata: { name: 'empty' } };
    const none = await create({ ...empty, spec: { kind: 'Password', generator: {} } });
    assert.equal(none.status, 422);
    assert.match(
      none.body.message ?? '',
      /spec\.generator: Invalid value: .*at least 1 properties/,
    );

    const provider = { fake: { data: [] }, kubernetes: { server: { url: 'https://a' } } };
    const two = await create({ ...fakeStore, metadata: { name: 'two' }, spec: { provider } });
    assert.equal(two.status, 422);
    assert.match(two.body.message ?? '', /spec\.provider: Too many: 2: must have at most 1 item\b/);
  });

  it('rejects a value outside the schema limits, naming the field', async () => {
    const spec = { ...passwordGenerator.spec, length: 0 };
    const created = await create({
      ...passwordGenerator,
      metadata: { ...passwordGenerator.metadata, name: 'short' },
      spec,
    });
    assert.equal(created.status, 422);
    assert.match(created.body.message ?? '', /spec\.length: Invalid value: 0/);
  });
});
