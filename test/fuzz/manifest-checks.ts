import assert from 'node:assert/strict';

import { formatProblem, validateConfigFile } from '../../src/resources/index.js';
import type { FileResult, Problem } from '../../src/resources/index.js';
import { answerTimeoutMs } from './fuzz-run.js';

function assertPositiveInteger(value: unknown, field: string): void {
  if (value === undefined) return;
  assert.ok(Number.isInteger(value) && (value as number) >= 1, `${field} is ${String(value)}`);
}

/** A problem names its file, has a string path and says something. */
export function assertProblemShape(problem: Problem, file: string): void {
  assert.equal(problem.file, file);
  assert.equal(typeof problem.path, 'string', `path of ${JSON.stringify(problem)}`);
  assert.equal(typeof problem.message, 'string');
  assert.notEqual(problem.message.trim(), '', `empty message in ${JSON.stringify(problem)}`);
  assertPositiveInteger(problem.documentIndex, 'documentIndex');
  assertPositiveInteger(problem.line, 'line');
  assertPositiveInteger(problem.column, 'column');
  assert.ok(formatProblem(problem).includes(problem.message));
}

/** Resources without their functions (definitions), so that two results can be compared. */
export function comparable(result: FileResult): unknown {
  return JSON.parse(JSON.stringify(result.resources)) as unknown;
}

/**
 * Validates `text` twice: the call must not throw, must finish within the time bound, must
 * describe every problem fully, and must give the same answer both times.
 */
export function validateChecked(file: string, text: string): FileResult {
  const started = performance.now();
  const first = validateConfigFile(file, text);
  const elapsedMs = performance.now() - started;
  assert.ok(elapsedMs < answerTimeoutMs, `validation took ${Math.round(elapsedMs)} ms`);

  for (const problem of [...first.problems, ...first.warnings]) assertProblemShape(problem, file);
  assert.equal(first.file, file);

  const second = validateConfigFile(file, text);
  assert.deepEqual(second.problems, first.problems, 'problems differ between two calls');
  assert.deepEqual(second.warnings, first.warnings, 'warnings differ between two calls');
  assert.deepEqual(comparable(second), comparable(first), 'resources differ between two calls');
  return first;
}
