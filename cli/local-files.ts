import { readFile } from 'node:fs/promises';

import { CliError, describeSystemError, exitCodes } from './exit-codes.js';

function unreadable(what: string, path: string, error: unknown): CliError {
  return new CliError(
    exitCodes.localFile,
    `cannot read ${what} ${path}: ${describeSystemError(error)}`,
  );
}

function isMissing(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

// A bearer token is visible ASCII (RFC 6750 §2.1); anything else would break the header.
const tokenCharacters = /^[\x21-\x7e]+$/;

/**
 * Reads the ServiceAccount token, trimmed. Called before every request: a projected token
 * is rotated on disk by the kubelet. The token itself never appears in an error.
 */
export async function readToken(path: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    throw unreadable('the token file', path, error);
  }
  if (!tokenCharacters.test(token)) {
    const problem = token === '' ? 'is empty' : 'does not hold a bearer token';
    throw new CliError(exitCodes.localFile, `the token file ${path} ${problem}`);
  }
  return token;
}

/**
 * The `ca.crt` body member: base64 of the cluster CA file. `undefined` when the path is
 * the default one and nothing is there (outside a pod, or a federation that pins its
 * `caBundle`); a path given explicitly must exist.
 */
export async function readCaCrtMember(
  path: string,
  isExplicit: boolean,
): Promise<string | undefined> {
  try {
    return (await readFile(path)).toString('base64');
  } catch (error) {
    if (!isExplicit && isMissing(error)) return undefined;
    throw unreadable('the cluster CA (--federated-ca-crt)', path, error);
  }
}

/** Reads the PEM CA that signs the federation server's certificate. */
export async function readServerCa(path: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable('the server CA (--federated-server-ca)', path, error);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new CliError(exitCodes.localFile, `the server CA ${path} holds no PEM certificate`);
  }
  return pem;
}
