import { fakeGenerator } from './fake/index.js';
import type { GeneratorDefinition } from './generator.js';
import { passwordGenerator } from './password/index.js';
import { sshKeyGenerator } from './ssh-key/index.js';
import { uuidGenerator } from './uuid/index.js';
import { vaultDynamicGenerator } from './vault-dynamic/index.js';

/** Every supported generator kind; one line per generator. */
export const generatorDefinitions: readonly GeneratorDefinition[] = [
  passwordGenerator,
  uuidGenerator,
  fakeGenerator,
  sshKeyGenerator,
  vaultDynamicGenerator,
];

export function findGenerator(kind: string): GeneratorDefinition | undefined {
  return generatorDefinitions.find((definition) => definition.kind === kind);
}
