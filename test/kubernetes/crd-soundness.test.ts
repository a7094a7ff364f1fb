import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import { buildCrds, type CustomResourceDefinition } from '../../src/resources/crds/index.js';
import { findResourceKind } from '../../src/resources/index.js';
import {
  resourcePath,
  startKubeApiServer,
  type KubeApiServer,
} from '../support/kube-api-server.js';
import { valueOf } from './structural-arbitrary.js';

// The kinds the server reads from the API server; GeneratorState is written by the server.
const crds = buildCrds().filter((crd) => findResourceKind(crd.spec.names.kind) !== undefined);
const runsPerKind = 40;
/** Required fields that random values cannot satisfy, by kind. */
const validBases: Record<string, object> = {
  Webhook: { url: 'https://hooks.example.com/token', result: { jsonPath: '$.token' } },
};
/** Samples the server must accept for a kind, or the comparison would say nothing. */
const minimumAccepted = 12;

function manifestOf(crd: CustomResourceDefinition, spec: unknown, name: string) {
  const namespaced = crd.spec.scope === 'Namespaced';
  return {
    apiVersion: `${crd.spec.group}/${crd.spec.versions[0]?.name}`,
    kind: crd.spec.names.kind,
    metadata: namespaced ? { name, namespace: 'soundness' } : { name },
    spec,
  };
}

describe('the CRDs never refuse what the server accepts', () => {
  let kube: KubeApiServer;

  before(async () => {
    kube = await startKubeApiServer();
    await kube.installCrds();
  });

  after(async () => {
    await kube?.stop();
  });

  for (const crd of crds) {
    it(`stores every generated ${crd.metadata.name} spec that the server accepts`, async () => {
      const specSchema = crd.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec ?? {};
      const schema = findResourceKind(crd.spec.names.kind)?.schema;
      assert.ok(schema);
      let accepted = 0;
      let serial = 0;
      // Random strings never form a webhook URL with a literal https host: such kinds draw
      // from a valid spec with random values laid over its optional fields instead.
      const base = validBases[crd.spec.names.kind];
      const specs =
        base === undefined
          ? valueOf(specSchema)
          : valueOf(specSchema).map((drawn) => ({ ...(drawn as object), ...base }));
      const property = fc.asyncProperty(specs, async (spec) => {
        serial += 1;
        const manifest = manifestOf(crd, spec, `sample-${serial}`);
        if (!schema.safeParse(manifest).success) return;
        accepted += 1;
        const path = `${resourcePath(crd, 'soundness')}?fieldValidation=Strict`;
        const created = await kube.request('POST', path, { body: manifest });
        assert.equal(created.status, 201, `${JSON.stringify(spec)}: ${created.body.message}`);
      });
      // More rounds until enough samples passed the server's own checks to compare.
      for (let round = 0; round < 12 && accepted < minimumAccepted; round += 1) {
        await fc.assert(property, { numRuns: runsPerKind });
      }
      assert.ok(accepted >= minimumAccepted, `only ${accepted} of ${runsPerKind} accepted`);
    });
  }
});
