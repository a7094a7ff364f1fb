import { parseManifests } from './parse-manifests.js';
import type { Problem } from './problem.js';
import type { Resource } from './resource.js';
import { validateDocument } from './validate-document.js';

/** Everything one file contributes: its valid resources and what is wrong with the rest. */
export interface FileResult {
  file: string;
  resources: Resource[];
  problems: Problem[];
  warnings: Problem[];
}

/** Parses a file's text and validates every manifest in it. Pure. */
export function validateConfigFile(file: string, text: string): FileResult {
  const parsed = parseManifests(file, text);
  const result: FileResult = {
    file,
    resources: [],
    problems: [...parsed.problems],
    warnings: [...parsed.warnings],
  };
  for (const object of parsed.objects) {
    const checked = validateDocument(object.value, object.source);
    if (checked.resource !== undefined) result.resources.push(checked.resource);
    result.problems.push(...checked.problems);
    result.warnings.push(...checked.warnings);
  }
  return result;
}

/** A problem with the file as a whole, such as a read error. */
export function fileProblem(file: string, message: string): Problem {
  return { file, path: '', message };
}
