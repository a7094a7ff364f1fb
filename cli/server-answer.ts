import { CliError, describeSystemError, exitCodes } from './exit-codes.js';
import type { HttpAnswer } from './http-attempt.js';

/** The server's error body `{"message", "reason"}`, each part only when it is usable. */
export interface ServerProblem {
  readonly message: string | undefined;
  readonly reason: string | undefined;
}

// Server text goes on one line of ours: no control characters, bounded length.
function oneLine(text: unknown, limit: number): string | undefined {
  if (typeof text !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (cleaned === '') return undefined;
  return cleaned.length > limit ? `${cleaned.slice(0, limit)}…` : cleaned;
}

/** Reads an error body defensively: anything but a JSON object gives no message. */
export function parseProblem(body: string): ServerProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { message: undefined, reason: undefined };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { message: undefined, reason: undefined };
  }
  const record = parsed as Record<string, unknown>;
  const reason = oneLine(record.reason, 64);
  return {
    message: oneLine(record.message, 200),
    reason: reason && /^[A-Za-z0-9_.-]+$/.test(reason) ? reason : undefined,
  };
}

function statusAndReason(status: number, problem: ServerProblem): string {
  return problem.reason ? `${status} ${problem.reason}` : String(status);
}

function explained(problem: ServerProblem, status: number): string {
  return problem.message ?? `the server answered HTTP ${status}`;
}

/**
 * The error for a non-2xx answer about `subject` (e.g. `secret 'db' in store 'main'`),
 * after `attempts` attempts. The exit code follows the status: 401 → 5, 404 → 6,
 * 5xx and 429 → 7, any other 4xx → 8.
 */
export function answerError(answer: HttpAnswer, subject: string, attempts: number): CliError {
  const { status } = answer;
  const problem = parseProblem(answer.body);

  if (status === 401) {
    const reason = problem.reason ? ` (${problem.reason})` : '';
    return new CliError(
      exitCodes.authentication,
      `authentication refused by the server${reason}: ${explained(problem, status)}`,
    );
  }
  if (status === 404) {
    const hint = problem.reason === 'RouteNotFound' ? ' (check --federated-server-url)' : '';
    return new CliError(exitCodes.notFound, `${subject}: not permitted or not found${hint}`);
  }
  if (status === 429 || status >= 500) {
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    return new CliError(
      exitCodes.serverFailed,
      `${subject}: the server failed (${statusAndReason(status, problem)}, ${tries}): ` +
        explained(problem, status),
    );
  }
  return new CliError(
    exitCodes.refused,
    `${subject}: request refused by the server (${statusAndReason(status, problem)}): ` +
      explained(problem, status),
  );
}

const tlsCodes = /CERT|SELF_SIGNED|TLS|SSL|VERIFY|ISSUER/;

/** The error when the server could not be reached, after `attempts` attempts. */
export function unreachableError(serverUrl: URL, error: unknown, attempts: number): CliError {
  const cause = describeSystemError(error);
  const hint = tlsCodes.test(cause) ? '; check --federated-server-ca' : '';
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return new CliError(
    exitCodes.unreachable,
    `cannot reach the federation server at ${serverUrl.origin} (${cause}, ${tries})${hint}`,
  );
}

/** The error for a 2xx answer whose body is not what the route promises. */
export function malformedAnswerError(subject: string, expected: string): CliError {
  return new CliError(
    exitCodes.serverFailed,
    `${subject}: the server answered with something other than ${expected}`,
  );
}
