import { createSecureContext } from 'node:tls';

import { FederationError } from '../../errors.js';
import { readCaBundle } from '../../tls/index.js';
import type { BackendContext } from '../provider.js';
import { readSecretText } from '../secret-reader.js';
import type { TrustSpec } from './schema.js';

/**
 * The PEM CA bundle a backend's certificate must chain to, or undefined for the system
 * roots. A `caProvider` Secret is read at every call, so a rotated CA is picked up; one that
 * does not hold certificates makes the store not ready.
 */
export async function resolveCaPem(
  spec: TrustSpec,
  context: BackendContext,
  signal?: AbortSignal,
): Promise<string | undefined> {
  if (spec.caBundle !== undefined) return pemOrThrow(spec.caBundle, 'caBundle');
  if (spec.caProvider === undefined) return undefined;

  const { name, key, namespace } = spec.caProvider;
  const text = await readSecretText({ name, key, namespace }, context, { signal });
  return pemOrThrow(text, `caProvider Secret ${name}`);
}

function pemOrThrow(value: string, source: string): string {
  const result = readCaBundle(value);
  if ('error' in result) {
    throw new FederationError('StoreNotReady', undefined, `${source} holds no usable CA bundle`);
  }
  return result.pem;
}

/** A client certificate and key as PEM text. */
export interface ClientCertificate {
  certPem: string;
  keyPem: string;
}

/**
 * Checks that a client certificate and key read from Secrets load together, so a broken
 * pair is reported as a store problem instead of an obscure handshake failure.
 */
export function checkClientCertificate(certificate: ClientCertificate): ClientCertificate {
  try {
    createSecureContext({ cert: certificate.certPem, key: certificate.keyPem });
  } catch {
    // The error text of OpenSSL is not passed on: it may quote part of the key.
    throw new FederationError(
      'StoreNotReady',
      undefined,
      'the client certificate and key cannot be used together',
    );
  }
  return certificate;
}
