import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';

const manifestExtension = /\.(ya?ml|json)$/i;

/** What a directory scan found: manifest files and the directories that hold them. */
export interface ConfigDirListing {
  /** Full paths (the directory joined with the relative path), in sorted order. */
  files: string[];
  /** The directory and every subdirectory that was entered, for watching. */
  directories: string[];
  /** Subdirectories that exist but could not be read. */
  unreadable: { directory: string; error: unknown }[];
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Lists the manifest files (`*.yaml`, `*.yml`, `*.json`) under `dir`, recursively, in a
 * stable order. Names starting with a dot are skipped: dotfiles, editor swap files, and the
 * `..data` / `..2024_…` directories of a Kubernetes ConfigMap mount, whose files also
 * appear as symlinks at the top level. Symlinks are followed; a directory reached twice
 * (a symlink loop) is entered once. Rejects when `dir` itself cannot be read.
 */
export async function listConfigFiles(dir: string): Promise<ConfigDirListing> {
  const listing: ConfigDirListing = { files: [], directories: [], unreadable: [] };
  const visited = new Set<string>();

  const walk = async (directory: string): Promise<void> => {
    const real = await realpath(directory);
    if (visited.has(real)) return;
    visited.add(real);
    listing.directories.push(directory);

    const names = (await readdir(directory)).sort(byCodeUnits);
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(directory, name);
      const info = await stat(path).catch(() => undefined);
      if (info?.isDirectory()) {
        await walk(path).catch((error: unknown) => {
          // A subdirectory that vanished mid-scan is simply gone; one that cannot be read is
          // reported, so that the files last seen in it keep their content.
          if (!isMissing(error)) listing.unreadable.push({ directory: path, error });
        });
      } else if (manifestExtension.test(name)) {
        // Listed even when stat failed (a dangling symlink): reading it reports the error.
        if (info === undefined || info.isFile()) listing.files.push(path);
      }
    }
  };

  await walk(dir);
  listing.files.sort(byCodeUnits);
  return listing;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A file's current version, as far as `stat` tells. */
export interface FileVersion {
  /**
   * A cheap fingerprint: inode, size and change times. A ConfigMap update swaps symlinks,
   * which changes the inode even when size and times match.
   */
  signature: string;
  /** When the file's content or inode last changed, in milliseconds since the epoch. */
  changedAtMs: number;
}

/** Reads the {@link FileVersion} of the file `path` names (symlinks followed). */
export async function fileVersion(path: string): Promise<FileVersion> {
  const info = await stat(path, { bigint: true });
  return {
    signature: `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`,
    changedAtMs: Number(info.ctimeNs / 1_000_000n),
  };
}

/** A one-line description of a file-system error, without a stack. */
export function describeFsError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist';
    case 'ENOTDIR':
      return 'is not a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
