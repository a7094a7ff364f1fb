/**
 * The exit codes of esi-cli. They are part of its interface (pod specs and scripts branch
 * on them): add new ones, never renumber. `--help` prints the same table.
 */
export const exitCodes = {
  /** Everything was fetched and delivered (or the daemon stopped cleanly). */
  success: 0,
  /** A bug in esi-cli. */
  internal: 1,
  /** A bad or missing flag, or a bad value. */
  usage: 2,
  /** A local file cannot be read: the token, ca.crt or the server CA. */
  localFile: 3,
  /** The server could not be reached after every retry (connection, TLS, timeout). */
  unreachable: 4,
  /** The server refused the token (401). */
  authentication: 5,
  /** The store, secret or generator is not permitted or does not exist (404). */
  notFound: 6,
  /** The server failed (5xx, or 429 after every retry). */
  serverFailed: 7,
  /** The server refused the request for another reason (other 4xx). */
  refused: 8,
  /** A requested key or property is missing, or a file cannot be written. */
  injection: 9,
  /** The program cannot be started (not found, not executable). */
  programStart: 10,
} as const;

/** One exit code of esi-cli. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The table printed by `--help`: code and meaning. */
export const exitCodeTable: readonly (readonly [ExitCode, string])[] = [
  [exitCodes.success, 'success'],
  [exitCodes.internal, 'internal error'],
  [exitCodes.usage, 'bad or missing flag or value'],
  [exitCodes.localFile, 'a local file cannot be read (token, ca.crt, server CA)'],
  [exitCodes.unreachable, 'server unreachable after retries (connection, TLS, timeout)'],
  [exitCodes.authentication, 'authentication refused by the server (401)'],
  [exitCodes.notFound, 'store, secret or generator not permitted or not found (404)'],
  [exitCodes.serverFailed, 'the server failed (5xx, or 429 after retries)'],
  [exitCodes.refused, 'request refused by the server (other 4xx)'],
  [exitCodes.injection, 'a requested key is missing, or a file cannot be written'],
  [exitCodes.programStart, 'the program cannot be started'],
];

/**
 * An expected failure: its message is the one line printed after `esi-cli: `, and `code`
 * is the exit code. The message names flags, files, stores, secrets and generators, never
 * a token or a value.
 */
export class CliError extends Error {
  readonly code: ExitCode;

  constructor(code: ExitCode, message: string) {
    super(message);
    this.name = 'CliError';
    this.code = code;
  }
}

/** Shorthand for a usage error (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(exitCodes.usage, message);
}

/** Shorthand for an injection error (exit code 9). */
export function injectionError(message: string): CliError {
  return new CliError(exitCodes.injection, message);
}

const systemErrorTexts: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * A short text for a Node error: a readable phrase for common file errors, else its code
 * (`ECONNREFUSED`), else its message. Never includes anything but what Node put there.
 */
export function describeSystemError(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code !== '') return systemErrorTexts[code] ?? code;
  }
  return error instanceof Error ? error.message : String(error);
}
