import { sortProblems, type Problem } from './problem.js';

/** What the last load or reload of a configuration directory found. */
export interface ConfigReport {
  /** Errors, sorted by file, document and path. Objects with errors are not applied. */
  problems: Problem[];
  /** Warnings (e.g. an Authorization naming a missing store), sorted the same way. */
  warnings: Problem[];
  /** Files whose current content has at least one problem, sorted. */
  brokenFiles: string[];
  /**
   * Broken files whose last content without problems is still in effect, sorted. A broken
   * file that never loaded cleanly contributes its valid objects instead.
   */
  staleFiles: string[];
  /** Set while the directory itself cannot be read; the last good configuration stays. */
  directoryError?: string;
  /** Every manifest file considered, sorted. */
  files: string[];
}

/** Assembles a report: sorts everything and derives the broken files from the problems. */
export function makeReport(parts: {
  problems: readonly Problem[];
  warnings: readonly Problem[];
  staleFiles: readonly string[];
  files: readonly string[];
  directoryError?: string;
}): ConfigReport {
  const files = new Set(parts.files);
  const broken = new Set(
    parts.problems.map((problem) => problem.file).filter((file) => files.has(file)),
  );
  const report: ConfigReport = {
    problems: sortProblems(parts.problems),
    warnings: sortProblems(parts.warnings),
    brokenFiles: [...broken].sort(),
    staleFiles: [...parts.staleFiles].sort(),
    files: [...parts.files].sort(),
  };
  if (parts.directoryError !== undefined) report.directoryError = parts.directoryError;
  return report;
}
