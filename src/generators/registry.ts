import { ecrAuthorizationTokenGenerator } from './ecr-authorization-token/index.js';
import { fakeGenerator } from './fake/index.js';
import type { GeneratorDefinition } from './generator.js';
import { passwordGenerator } from './password/index.js';
import { sshKeyGenerator } from './ssh-key/index.js';
import { stsSessionTokenGenerator } from './sts-session-token/index.js';
import { uuidGenerator } from './uuid/index.js';
import { webhookGenerator } from './webhook/index.js';
import { vaultDynamicGenerator } from './vault-dynamic/index.js';

/** Every supported generator kind; one line per generator. */
export const generatorDefinitions: readonly GeneratorDefinition[] = [
  passwordGenerator,
  uuidGenerator,
  fakeGenerator,
  sshKeyGenerator,
  stsSessionTokenGenerator,
  ecrAuthorizationTokenGenerator,
  webhookGenerator,
  vaultDynamicGenerator,
];

export function findGenerator(kind: string): GeneratorDefinition | undefined {
  return generatorDefinitions.find((definition) => definition.kind === kind);
}
