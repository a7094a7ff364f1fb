import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { parseAllDocuments } from 'yaml';

import { packageRoot } from '../../../test/support/repo.js';
import { crdFiles, existingCrdFiles } from './crd-files.js';

const root = packageRoot();
const regenerate = 'run `npm run generate:crds` and commit the result';

describe('committed CRD files', () => {
  const expected = crdFiles();

  it('are exactly the generated set, none missing and none left over', () => {
    const inFolders = [...expected.keys()].filter((path) => !path.endsWith('rbac.yaml'));
    assert.deepEqual(existingCrdFiles(root).sort(), inFolders.sort(), regenerate);
  });

  it('match what the schemas generate now', () => {
    for (const [path, content] of expected) {
      assert.equal(
        readFileSync(join(root, path), 'utf8'),
        content,
        `${path} is stale: ${regenerate}`,
      );
    }
  });

  it('hold one CRD each under deploy/crds', () => {
    for (const path of expected.keys()) {
      if (!path.startsWith(join('deploy', 'crds'))) continue;
      const documents = parseAllDocuments(readFileSync(join(root, path), 'utf8'));
      assert.equal(documents.length, 1);
      assert.equal(documents[0]?.get('kind'), 'CustomResourceDefinition');
    }
  });
});
