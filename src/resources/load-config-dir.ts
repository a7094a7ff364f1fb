import { ConfigDirState } from './config-dir-state.js';
import type { Problem } from './problem.js';
import type { Resource } from './resource.js';
import { scanConfigDir } from './scan-config-dir.js';

/** Everything a configuration directory holds, checked. */
export interface ConfigLoad {
  /** The valid objects, duplicates removed, in file and document order. */
  documents: Resource[];
  /** Errors, sorted by file, document and path. */
  problems: Problem[];
  /** Warnings such as references to missing objects, sorted the same way. */
  warnings: Problem[];
  /** The manifest files read, sorted. */
  files: string[];
}

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` file under `dir` (recursively, skipping names
 * that start with a dot, following symlinks) in sorted order, and validates every
 * manifest. A broken file still contributes its valid objects; nothing is thrown for bad
 * content or an unreadable directory, both come back as problems.
 */
export async function loadConfigDir(dir: string): Promise<ConfigLoad> {
  const state = new ConfigDirState(dir);
  await scanConfigDir(state, { force: true });
  const { resources, report } = state.evaluate();
  return {
    documents: resources,
    problems: report.problems,
    warnings: report.warnings,
    files: report.files,
  };
}
