import { CliError } from './exit-codes.js';
import type { FetchResults } from './key-bag.js';
import type { FetchPlan } from './options.js';
import type { ServerClient } from './server-client.js';
import { generatorId } from './specs.js';
import type { GeneratorRef } from './specs.js';

/**
 * Reads the store secrets of the plan, one after the other over the kept-alive
 * connection, in the order given. The first failure stops the run.
 */
export async function fetchSecrets(
  client: ServerClient,
  plan: FetchPlan,
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  if (plan.store === undefined) return secrets;
  for (const name of plan.secrets) {
    secrets.set(name, await client.readSecret(plan.store, name, signal));
  }
  return secrets;
}

/**
 * Fetches everything the plan names: the secrets first, so that a missing secret stops
 * the run before any credential is generated, then each generator. Every generator that
 * answered is pushed to `generated`, also when a later one fails, so that the caller can
 * revoke them.
 */
export async function fetchAll(
  client: ServerClient,
  plan: FetchPlan,
  generated: GeneratorRef[],
): Promise<FetchResults> {
  const secrets = await fetchSecrets(client, plan);
  const generators = new Map<string, Readonly<Record<string, string>>>();
  for (const ref of plan.generators) {
    const output = await client.runGenerator(ref);
    generated.push(ref);
    generators.set(generatorId(ref), output);
  }
  return { secrets, generators };
}

/**
 * Revokes what each generator issued to this caller (`DELETE`), best effort: a failure is
 * one line through `report` and the next generator is still revoked.
 */
export async function revokeGenerators(
  client: ServerClient,
  refs: readonly GeneratorRef[],
  report: (line: string) => void,
): Promise<void> {
  for (const ref of refs) {
    try {
      await client.revokeGenerator(ref);
    } catch (error) {
      const reason = error instanceof CliError ? error.message : 'unexpected error';
      report(`revoking generator ${generatorId(ref)} failed: ${reason}`);
    }
  }
}

/** Results with nothing in them, for a run that fetches nothing. */
export const emptyResults: FetchResults = { secrets: new Map(), generators: new Map() };
