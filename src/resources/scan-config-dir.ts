import { readFile } from 'node:fs/promises';
import { sep } from 'node:path';
import type { ConfigDirState } from './config-dir-state.js';
import { describeFsError, fileVersion, listConfigFiles, type FileVersion } from './config-files.js';

/** What one pass over the directory found. */
export interface ScanResult {
  /** True when a file, or the directory's own state, changed. */
  changed: boolean;
  /** Directories entered; empty when the directory could not be read. */
  directories: string[];
}

/** How a scan treats files whose fingerprint is unchanged or just changed. */
export interface ScanOptions {
  /** Read every file again, even when its fingerprint is unchanged. */
  force: boolean;
  /**
   * Unless `force` is set, a file changed less than this many milliseconds ago is left for
   * a later scan: it may be in the middle of a write (truncated, half written). Default 0.
   */
  settleMs?: number;
}

async function refreshFile(
  state: ConfigDirState,
  file: string,
  { force, settleMs = 0 }: ScanOptions,
): Promise<boolean> {
  let version: FileVersion;
  try {
    version = await fileVersion(file);
  } catch (error) {
    return state.fail(file, describeFsError(error));
  }
  const { signature, changedAtMs } = version;
  if (!force) {
    if (signature === state.signatureOf(file)) return false;
    const age = Date.now() - changedAtMs;
    // Its fingerprint is not recorded, so the next scan looks at it again.
    if (age >= 0 && age < settleMs) return false;
  }

  try {
    return state.update(file, await readFile(file, 'utf8'), signature);
  } catch (error) {
    return state.fail(file, describeFsError(error));
  }
}

/**
 * Brings `state` up to date with the directory. Files whose fingerprint did not change are
 * not read again unless `options.force` is set (a file-system event may arrive for a write
 * that left size and times unchanged; the content comparison then decides). When the
 * directory cannot be read at all, nothing is forgotten: the last good configuration stays.
 */
export async function scanConfigDir(
  state: ConfigDirState,
  options: ScanOptions,
): Promise<ScanResult> {
  let listing;
  try {
    listing = await listConfigFiles(state.dir);
  } catch (error) {
    return { changed: state.setDirectoryError(describeFsError(error)), directories: [] };
  }

  let changed = state.setDirectoryError(undefined);
  const listed = new Set(listing.files);
  for (const file of state.files()) {
    if (listed.has(file)) continue;
    const blocked = listing.unreadable.find(({ directory }) => file.startsWith(directory + sep));
    const removed = blocked
      ? state.fail(file, `its directory cannot be read: ${describeFsError(blocked.error)}`)
      : state.remove(file);
    changed = removed || changed;
  }
  for (const file of listing.files) {
    changed = (await refreshFile(state, file, options)) || changed;
  }
  return { changed, directories: listing.directories };
}
