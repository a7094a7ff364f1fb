export type { ConfigReport } from './config-report.js';
export { loadConfigDir, type ConfigLoad } from './load-config-dir.js';
export {
  generatorKey,
  secretKey,
  type AuthorizationRule,
  type ConfigSnapshot,
  type Federation,
  type GeneratorEntry,
  type SecretEntry,
  type StoreEntry,
} from './model.js';
export { parseManifests, type ManifestObject, type ParsedManifests } from './parse-manifests.js';
export { formatProblem, formatProblems, sortProblems, type Problem } from './problem.js';
export {
  resourceIdentity,
  type AuthorizationResource,
  type FederationResource,
  type GeneratorResource,
  type Resource,
  type ResourceOrigin,
  type ResourceRef,
  type SecretResource,
  type StoreResource,
} from './resource.js';
export type { ResourceKind } from './resource-kind.js';
export { findResourceKind, resourceKinds } from './resource-kinds.js';
export { checkReferences, removeDuplicates } from './merge-resources.js';
export { SnapshotBuilder, type ConfigLogger, type SnapshotBuild } from './snapshot-builder.js';
export { validateConfigFile, type FileResult } from './validate-config-file.js';
export {
  validateDocument,
  type DocumentResult,
  type DocumentSource,
  type SourceLocation,
} from './validate-document.js';
export {
  watchConfigDir,
  type ConfigWatcher,
  type WatchConfigDirOptions,
} from './watch-config-dir.js';
