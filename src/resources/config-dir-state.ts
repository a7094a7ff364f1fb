import type { ConfigReport } from './config-report.js';
import { makeReport } from './config-report.js';
import { checkReferences, removeDuplicates } from './merge-resources.js';
import type { Problem } from './problem.js';
import type { Resource } from './resource.js';
import { fileProblem, validateConfigFile, type FileResult } from './validate-config-file.js';

interface FileEntry {
  signature?: string;
  text?: string;
  result?: FileResult;
  readError?: string;
  /** The resources of the last version of this file that had no problem at all. */
  lastGood?: Resource[];
}

/** The effective configuration of a directory: the resources in force, and the report. */
export interface EffectiveConfig {
  resources: Resource[];
  report: ConfigReport;
}

/**
 * What is known about each file of a configuration directory, and which version of it is
 * in force. A file whose current content has a problem keeps its last version without
 * problems in force; a file that never had such a version contributes its valid objects.
 */
export class ConfigDirState {
  readonly #entries = new Map<string, FileEntry>();
  #directoryError: string | undefined;

  /** @param dir the directory, used to name directory-level problems */
  constructor(readonly dir: string) {}

  /** Every file currently known, sorted. */
  files(): string[] {
    return [...this.#entries.keys()].sort();
  }

  /** The fingerprint of the file's last read, if it was read successfully. */
  signatureOf(file: string): string | undefined {
    return this.#entries.get(file)?.signature;
  }

  /** Records the file's current text; true when that changes anything. */
  update(file: string, text: string, signature: string): boolean {
    const entry = this.#entries.get(file) ?? {};
    this.#entries.set(file, entry);
    entry.signature = signature;
    if (entry.text === text && entry.readError === undefined) return false;

    const result = validateConfigFile(file, text);
    entry.text = text;
    entry.result = result;
    entry.readError = undefined;
    if (result.problems.length === 0) entry.lastGood = result.resources;
    return true;
  }

  /** Records that the file exists but cannot be read; true when that is news. */
  fail(file: string, message: string): boolean {
    const entry = this.#entries.get(file) ?? {};
    this.#entries.set(file, entry);
    if (entry.readError === message) return false;
    entry.readError = message;
    entry.signature = undefined;
    entry.text = undefined;
    return true;
  }

  /** The files whose objects in force include a `v1/Secret`, sorted. */
  secretFiles(): string[] {
    return this.files().filter((file) => {
      const entry = this.#entries.get(file) as FileEntry;
      const holdsSecret = (resources: Resource[] | undefined): boolean =>
        (resources ?? []).some((resource) => resource.type === 'secret');
      return holdsSecret(entry.result?.resources) || holdsSecret(entry.lastGood);
    });
  }

  /** Forgets a deleted file and everything it defined; true when it was known. */
  remove(file: string): boolean {
    return this.#entries.delete(file);
  }

  /** Sets or clears the directory-level error; true when that changes it. */
  setDirectoryError(message: string | undefined): boolean {
    const changed = this.#directoryError !== message;
    this.#directoryError = message;
    return changed;
  }

  /** The resources in force and the report describing them. */
  evaluate(): EffectiveConfig {
    const problems: Problem[] = [];
    const warnings: Problem[] = [];
    const staleFiles: string[] = [];
    const candidates: Resource[] = [];

    for (const file of this.files()) {
      const entry = this.#entries.get(file) as FileEntry;
      const current = entry.readError === undefined ? entry.result : undefined;
      if (entry.readError !== undefined) {
        problems.push(fileProblem(file, `cannot read the file: ${entry.readError}`));
      }
      problems.push(...(current?.problems ?? []));
      warnings.push(...(current?.warnings ?? []));
      const isBroken = current === undefined || current.problems.length > 0;
      if (isBroken && entry.lastGood !== undefined) staleFiles.push(file);
      const inForce = isBroken ? (entry.lastGood ?? current?.resources) : current.resources;
      candidates.push(...(inForce ?? []));
    }

    const unique = removeDuplicates(candidates);
    problems.push(...unique.problems);
    warnings.push(...checkReferences(unique.resources));
    if (this.#directoryError !== undefined) {
      const kept = candidates.length > 0 ? '; the last good configuration stays in effect' : '';
      const message = `cannot read the directory: ${this.#directoryError}${kept}`;
      problems.push(fileProblem(this.dir, message));
    }
    const report = makeReport({
      problems,
      warnings,
      staleFiles,
      files: this.files(),
      directoryError: this.#directoryError,
    });
    return { resources: unique.resources, report };
  }
}
