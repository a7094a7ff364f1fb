// Regenerates deploy/crds and the chart's CRD templates from the compiled schemas; run
// through `npm run generate:crds`, which compiles first.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { writeCrdFiles } from '../dist/src/resources/crds/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const written = writeCrdFiles(root);
console.log(`wrote ${written.length} files`);
