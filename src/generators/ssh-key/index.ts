export { createSshKeyGenerator, sshKeyGenerator } from './ssh-key-generator.js';
export { sshKeySizes, sshKeySpecSchema, type SshKeySpec, type SshKeyType } from './schema.js';
