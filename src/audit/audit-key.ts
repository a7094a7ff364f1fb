import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Bytes of a new key, and the fewest a key file may hold. */
export const auditKeyBytes = 32;

/**
 * The per-installation HMAC key that pseudonymises request ids and token ids in the audit
 * trail. The same value under the same key always gives the same digest, so an operator
 * holding the key can find the line of a known request id; without the key the digests
 * reveal nothing. The key bytes stay inside this object.
 */
export class AuditKey {
  readonly #key: Buffer;

  /** @param key at least {@link auditKeyBytes} bytes. */
  constructor(key: Buffer) {
    if (key.length < auditKeyBytes) {
      throw new Error(`an audit key needs at least ${auditKeyBytes} bytes`);
    }
    this.#key = Buffer.from(key);
  }

  /** Hex HMAC-SHA256 of `value` (UTF-8) under this key. */
  digest(value: string): string {
    return createHmac('sha256', this.#key).update(value, 'utf8').digest('hex');
  }

  /**
   * {@link digest}, remembering the last `limit` values or so: for values that come back
   * often, such as the `jti` of a token a pod presents on every request.
   */
  remembering(limit = 4096): (value: string) => string {
    const known = new Map<string, string>();
    return (value) => {
      let digest = known.get(value);
      if (digest === undefined) {
        if (known.size >= limit) known.clear();
        digest = this.digest(value);
        known.set(value, digest);
      }
      return digest;
    };
  }
}

function describeError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code ?? (error instanceof Error ? error.message : String(error));
}

/** Who besides the owner may touch the file, e.g. `group and others`; empty when no one. */
function outsiders(mode: number): string {
  const who = [];
  if (mode & 0o070) who.push('group');
  if (mode & 0o007) who.push('others');
  return who.join(' and ');
}

/**
 * Reads an existing key file, refusing one that is too short or open to group or others.
 * Every refusal is one line naming the file.
 */
export async function readAuditKey(path: string): Promise<AuditKey> {
  let bytes: Buffer;
  let mode: number;
  try {
    mode = (await stat(path)).mode;
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read audit key file ${path}: ${describeError(error)}`);
  }
  const open = outsiders(mode);
  if (open !== '') {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new Error(
      `audit key file ${path} is accessible to ${open} (mode ${octal}); run chmod 600 ${path}`,
    );
  }
  if (bytes.length < auditKeyBytes) {
    throw new Error(
      `audit key file ${path} holds ${bytes.length} bytes; it needs at least ${auditKeyBytes}`,
    );
  }
  return new AuditKey(bytes);
}

/**
 * Reads the key file, first creating it with {@link auditKeyBytes} random bytes and mode
 * 0600 when it does not exist, and its directory (mode 0700) when that is missing too.
 */
export async function loadAuditKey(path: string): Promise<AuditKey> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // `wx`: never overwrite a key another process created meanwhile.
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(randomBytes(auditKeyBytes));
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException | null)?.code !== 'EEXIST') {
      throw new Error(`cannot create audit key file ${path}: ${describeError(error)}`);
    }
  }
  return readAuditKey(path);
}
