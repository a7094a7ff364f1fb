import { generatorKey } from './model.js';
import { joinPaths, type Problem } from './problem.js';
import { resourceIdentity, type Resource, type ResourceRef } from './resource.js';

function place(ref: ResourceRef): string {
  const { file, documentIndex, line } = ref.origin;
  const where = line === undefined ? file : `${file}:${line}`;
  return documentIndex === undefined ? where : `${where} (document ${documentIndex})`;
}

/** A problem or warning about a whole object, or a field of it. */
export function objectProblem(ref: ResourceRef, path: string, message: string): Problem {
  const problem: Problem = {
    file: ref.origin.file,
    kind: ref.kind,
    name: ref.name,
    path: joinPaths(ref.origin.path ?? '', path),
    message,
  };
  if (ref.origin.documentIndex !== undefined) problem.documentIndex = ref.origin.documentIndex;
  if (ref.namespace !== '') problem.namespace = ref.namespace;
  if (ref.origin.line !== undefined && path === '') problem.line = ref.origin.line;
  if (problem.line !== undefined) problem.column = 1;
  return problem;
}

/**
 * Keeps the first definition of each kind, namespace and name (in the order given: files
 * sorted, then documents) and reports every later one, naming both places.
 */
export function removeDuplicates(resources: readonly Resource[]): {
  resources: Resource[];
  problems: Problem[];
} {
  const first = new Map<string, Resource>();
  const problems: Problem[] = [];
  for (const resource of resources) {
    const identity = resourceIdentity(resource.ref);
    const kept = first.get(identity);
    if (kept === undefined) {
      first.set(identity, resource);
      continue;
    }
    const message = `duplicate ${resource.ref.kind}: also defined in ${place(kept.ref)}; this definition is ignored`;
    problems.push(objectProblem(resource.ref, '', message));
  }
  return { resources: [...first.values()], problems };
}

/**
 * Warnings for Authorizations that point at federations, stores or generators that do
 * not exist, or whose issuer can never match their federation. Such a rule is kept: the
 * missing object may be added later, and a grant for nothing grants nothing.
 */
export function checkReferences(resources: readonly Resource[]): Problem[] {
  const federations = new Map<string, Resource & { type: 'federation' }>();
  const stores = new Set<string>();
  const generators = new Set<string>();
  for (const resource of resources) {
    if (resource.type === 'federation') federations.set(resource.ref.name, resource);
    if (resource.type === 'store') stores.add(resource.ref.name);
    if (resource.type === 'generator') {
      generators.add(generatorKey(resource.ref.namespace, resource.ref.kind, resource.ref.name));
    }
  }

  const warnings: Problem[] = [];
  for (const resource of resources) {
    if (resource.type !== 'authorization') continue;
    const { ref, rule } = resource;
    const warn = (path: string, message: string): number =>
      warnings.push(objectProblem(ref, path, message));
    const federation = federations.get(rule.federation);
    if (federation === undefined) {
      warn(
        'spec.federationRef.name',
        `KubernetesFederation \`${rule.federation}\` does not exist; this rule grants nothing until it does`,
      );
    } else if (
      federation.federation.issuer !== undefined &&
      federation.federation.issuer !== rule.issuer
    ) {
      warn(
        'spec.subject',
        `issuer \`${rule.issuer}\` differs from \`${federation.federation.issuer}\`, the issuer of KubernetesFederation \`${rule.federation}\`; no token can match`,
      );
    }
    rule.clusterSecretStores.forEach((store, index) => {
      if (!stores.has(store)) {
        warn(
          `spec.allowedClusterSecretStores[${index}]`,
          `ClusterSecretStore \`${store}\` does not exist`,
        );
      }
    });
    rule.generators.forEach((generator, index) => {
      const isCluster = generator.kind === 'ClusterGenerator';
      const key = generatorKey(
        isCluster ? '' : generator.namespace,
        generator.kind,
        generator.name,
      );
      if (!generators.has(key)) {
        const name = isCluster ? generator.name : `${generator.namespace}/${generator.name}`;
        warn(`spec.allowedGenerators[${index}]`, `${generator.kind} \`${name}\` does not exist`);
      }
    });
  }
  return warnings;
}
