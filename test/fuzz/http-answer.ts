import assert from 'node:assert/strict';

import { reasons } from '../../src/errors.js';
import { answerTimeoutMs } from './fuzz-run.js';

/** One answer of the server, whichever client made the request. */
export interface Answer {
  status: number;
  text: string;
  /** Lower-case header names. */
  headers: Map<string, string>;
  /** A HEAD answer carries no body to check. */
  method: string;
}

const stackTraceMarks: readonly RegExp[] = [
  /^\s*at \S.*\(.*:\d+:\d+\)\s*$/m,
  /^\s*at (?:async )?\S+ \(/m,
  /\.(?:[cm]?js|ts):\d+:\d+/,
  /node:internal/,
  /node_modules\//,
];

/** Fails when `text` looks like it holds a stack frame or a source position. */
export function assertNoStackTrace(text: string): void {
  for (const mark of stackTraceMarks) {
    assert.doesNotMatch(text, mark, `an answer looks like it holds a stack trace: ${text}`);
  }
  assert.ok(!text.includes(process.cwd()), `an answer names a path of the server: ${text}`);
}

/** Fails unless `text` is exactly `{message, reason}` with a catalogue reason of `status`. */
export function assertErrorBody(status: number, text: string): void {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`a ${status} answer is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
  assert.ok(typeof body === 'object' && body !== null && !Array.isArray(body), text);
  const record = body as Record<string, unknown>;
  assert.deepEqual(Object.keys(record).sort(), ['message', 'reason'], text);
  assert.equal(typeof record.message, 'string', text);
  assert.notEqual(record.message, '', text);
  assert.ok(
    typeof record.reason === 'string' && Object.hasOwn(reasons, record.reason),
    `reason ${String(record.reason)} is not in the catalogue`,
  );
  const entry = reasons[record.reason as keyof typeof reasons];
  assert.equal(status, entry.status, `reason ${String(record.reason)} answered with ${status}`);
}

/** The reason of an error answer, or `undefined`. */
export function reasonOf(answer: Answer): string | undefined {
  try {
    const body = JSON.parse(answer.text) as { reason?: unknown };
    return typeof body.reason === 'string' ? body.reason : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What every answer must satisfy: no 5xx, an error body of the catalogue for every 4xx,
 * JSON for every other answer that has a body, and never a stack trace.
 */
export function assertWellFormedAnswer(answer: Answer): void {
  const summary = `${answer.status} ${answer.text.slice(0, 300)}`;
  assert.ok(answer.status >= 200 && answer.status < 500, `unexpected status: ${summary}`);
  assertNoStackTrace(answer.text);
  if (answer.method === 'HEAD') return;
  if (answer.status >= 400) {
    assertErrorBody(answer.status, answer.text);
  } else if (answer.text !== '') {
    assert.doesNotThrow(() => JSON.parse(answer.text), `a success answer is not JSON: ${summary}`);
  }
}

/** One request through `fetch`, failing the property when no answer comes in time. */
export async function fetchAnswer(url: string, init: RequestInit): Promise<Answer> {
  const method = init.method ?? 'GET';
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(answerTimeoutMs),
    });
  } catch (error) {
    const name = error instanceof Error ? error.name : typeof error;
    if (name === 'TimeoutError') assert.fail(`no answer within ${answerTimeoutMs} ms`);
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    assert.fail(`the request failed without an answer: ${name} ${cause ?? ''}`);
  }
  const text = await response.text();
  return { status: response.status, text, headers: new Map(response.headers), method };
}

/** The server still answers its liveness and readiness probes. */
export async function assertHealthy(baseUrl: string): Promise<void> {
  for (const path of ['/healthz', '/readyz']) {
    const answer = await fetchAnswer(`${baseUrl}${path}`, { method: 'GET' });
    assert.equal(answer.status, 200, `${path} answered ${answer.status} ${answer.text}`);
  }
}

/** Log lines at pino's `error` level or above (50): the server met something unexpected. */
export function errorLogLines(entries: readonly Record<string, unknown>[]): string[] {
  return entries
    .filter((entry) => typeof entry.level === 'number' && entry.level >= 50)
    .map((entry) => JSON.stringify(entry));
}
