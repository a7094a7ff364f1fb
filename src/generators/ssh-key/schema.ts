import { z } from 'zod';

/** Key sizes accepted for each key type, in bits; the first is the default. */
export const sshKeySizes = {
  rsa: [2048, 3072, 4096],
  ecdsa: [256, 384, 521],
  ed25519: [],
} as const satisfies Record<string, readonly number[]>;

/** An SSH key type of the SSHKey generator. */
export type SshKeyType = keyof typeof sshKeySizes;

/** `spec` of an SSHKey generator (and `spec.generator.sshKeySpec` of a ClusterGenerator). */
export const sshKeySpecSchema = z
  .strictObject({
    keyType: z
      .enum(['rsa', 'ecdsa', 'ed25519'])
      .default('rsa')
      .describe('The key algorithm: rsa (default), ecdsa or ed25519.'),
    keySize: z
      .int()
      .min(256)
      .max(8192)
      .optional()
      .describe(
        'Key size in bits. rsa: 2048 (default), 3072 or 4096; ecdsa: 256 (default), 384 or ' +
          '521 (the NIST curve of that size); ed25519: must be absent, its size is fixed.',
      ),
    comment: z
      .string()
      .regex(/^[^\r\n]*$/, 'comment must be a single line')
      .optional()
      .describe('Comment stored in the private key and appended to the public key line.'),
  })
  .superRefine((spec, context) => {
    if (spec.keySize === undefined) {
      return;
    }
    const allowed: readonly number[] = sshKeySizes[spec.keyType];
    if (allowed.length === 0) {
      const message = `keySize must be absent for keyType ${spec.keyType}: its size is fixed`;
      context.addIssue({ code: 'custom', path: ['keySize'], message });
    } else if (!allowed.includes(spec.keySize)) {
      const message = `keySize for keyType ${spec.keyType} must be one of ${allowed.join(', ')}`;
      context.addIssue({ code: 'custom', path: ['keySize'], message });
    }
  })
  .describe('Generates an SSH key pair in OpenSSH formats.');

/** The validated spec of an SSHKey generator. */
export type SshKeySpec = z.infer<typeof sshKeySpecSchema>;
