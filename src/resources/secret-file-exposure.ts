import { stat } from 'node:fs/promises';

import type { ConfigLogger } from './snapshot-builder.js';

/** Permission bits that let users other than the owner read a file: group and other read. */
const othersCanRead = 0o044;

/** Whether users besides the file's owner may read it; false when it cannot be checked. */
export async function isReadableByOthers(file: string): Promise<boolean> {
  // Windows has no such bits: the mode Node reports there says nothing about other users.
  if (process.platform === 'win32') return false;
  try {
    return ((await stat(file)).mode & othersCanRead) !== 0;
  } catch {
    return false;
  }
}

/**
 * Warns about config files that hold `v1/Secret` manifests (store credentials, in
 * standalone mode) and that other users of the machine can read. Each such file is
 * named once; it is named again only after it was private or gone in between. The log
 * carries the file name and its permission bits, never its content.
 */
export class SecretFileExposure {
  #warned = new Set<string>();

  /** Checks `files`, the files that hold Secrets now, and warns about newly exposed ones. */
  async check(files: readonly string[], logger: ConfigLogger | undefined): Promise<void> {
    const exposed = new Set<string>();
    for (const file of files) {
      if (await isReadableByOthers(file)) exposed.add(file);
    }
    for (const file of exposed) {
      if (this.#warned.has(file)) continue;
      const mode = await stat(file).then(
        (info) => (info.mode & 0o777).toString(8).padStart(4, '0'),
        () => 'unknown',
      );
      logger?.warn(
        { file, mode, hint: 'chmod 600 the file' },
        'a file with Secret manifests is readable by other users',
      );
    }
    this.#warned = exposed;
  }
}
