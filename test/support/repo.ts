import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above the compiled file that holds a
 * `package.json`. Compiled tests sit at different depths (`dist/`, or another `--outDir`),
 * so files of the repository are found from here rather than by a fixed number of `..`.
 */
export function packageRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error('no package.json above the compiled test');
    directory = parent;
  }
  return directory;
}

/** A path inside the repository, e.g. `repoPath('docs', 'cli.md')`. */
export function repoPath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
