export { buildCrds, crdPartOfLabel, type CustomResourceDefinition } from './build-crds.js';
export {
  chartCrdDirectory,
  crdDirectory,
  crdFiles,
  existingCrdFiles,
  writeCrdFiles,
} from './crd-files.js';
export { crdLayout, generatorStateLabels, pluralOf, type PrinterColumn } from './crd-layouts.js';
export { toStructuralSchema, type StructuralSchema } from './structural-schema.js';
export { serverApiAccess, type ApiAccess } from './api-access.js';
export { chartRbacPath } from './chart-rbac.js';
