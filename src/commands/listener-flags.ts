import { resolve } from 'node:path';

import type { Command } from 'commander';
import type { Logger } from 'pino';

import { parseDuration } from '../duration.js';
import type { StandaloneOptions } from '../server/standalone.js';
import { isLoopback } from './listen-address.js';

/** Flags of the API listener: TLS, the plain-HTTP rule and the limits on clients. */
export interface ListenerFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  insecureHttp: boolean;
  maxHeaderSize: string;
  headersTimeout: string;
  requestTimeout: string;
  keepAliveTimeout: string;
  maxConcurrentBackendCalls: string;
}

export function addListenerOptions(command: Command): Command {
  return command
    .option('--tls-cert <file>', 'PEM certificate chain to serve HTTPS with; reloaded on change')
    .option('--tls-key <file>', 'PEM private key of --tls-cert; reloaded on change')
    .option(
      '--tls-client-ca <file>',
      'PEM CA bundle; clients must present a certificate it signed (reloaded on change)',
    )
    .option(
      '--insecure-http',
      'allow plain HTTP on a non-loopback address, for a TLS-terminating proxy on this host',
      false,
    )
    .option('--max-header-size <bytes>', 'largest request line plus headers accepted', '16384')
    .option('--headers-timeout <duration>', 'time a client has to send its headers', '10s')
    .option('--request-timeout <duration>', 'time a client has to send its whole request', '30s')
    .option('--keep-alive-timeout <duration>', 'how long an idle connection is kept open', '5s')
    .option(
      '--max-concurrent-backend-calls <n>',
      'secret reads and generator calls running at once; more wait within --backend-timeout',
      '64',
    );
}

/**
 * The listener part of the server options. Plain HTTP is only served where no other
 * machine can connect (SPEC §8, defect 8), unless `--insecure-http` says a proxy on this
 * host terminates TLS; that choice is logged as a warning. Throws a one-line error.
 */
export function listenerOptions(
  flags: ListenerFlags,
  host: string,
  logger: Logger,
): Pick<StandaloneOptions, 'tls' | 'limits' | 'maxConcurrentBackendCalls'> {
  const tls = tlsFiles(flags);
  if (tls && flags.insecureHttp) {
    throw new Error('--insecure-http contradicts --tls-cert and --tls-key: give one or the other');
  }
  if (!tls && !flags.insecureHttp && !isLoopback(host)) {
    throw new Error(
      `refusing to serve plain HTTP on ${host}: bearer tokens would cross the network ` +
        'unencrypted. Serve HTTPS with --tls-cert and --tls-key, listen on a loopback address ' +
        'such as 127.0.0.1, or give --insecure-http if a TLS-terminating proxy on this host ' +
        'forwards to it',
    );
  }
  if (flags.insecureHttp) {
    logger.warn(
      { host },
      'plain HTTP allowed by --insecure-http: bearer tokens are unencrypted up to the proxy',
    );
  }

  const headersTimeoutMs = positiveDuration(flags.headersTimeout, '--headers-timeout');
  const requestTimeoutMs = positiveDuration(flags.requestTimeout, '--request-timeout');
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new Error('--headers-timeout must not be longer than --request-timeout');
  }
  return {
    tls,
    limits: {
      maxHeaderSizeBytes: positiveInteger(flags.maxHeaderSize, '--max-header-size'),
      headersTimeoutMs,
      requestTimeoutMs,
      keepAliveTimeoutMs: positiveDuration(flags.keepAliveTimeout, '--keep-alive-timeout'),
    },
    maxConcurrentBackendCalls: positiveInteger(
      flags.maxConcurrentBackendCalls,
      '--max-concurrent-backend-calls',
    ),
  };
}

function tlsFiles(flags: ListenerFlags): StandaloneOptions['tls'] {
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new Error('--tls-cert and --tls-key go together: give both to serve HTTPS, or neither');
  }
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) {
    if (flags.tlsClientCa !== undefined) {
      throw new Error('--tls-client-ca needs --tls-cert and --tls-key: it applies to HTTPS only');
    }
    return undefined;
  }
  return {
    certFile: resolve(flags.tlsCert),
    keyFile: resolve(flags.tlsKey),
    clientCaFile: flags.tlsClientCa === undefined ? undefined : resolve(flags.tlsClientCa),
  };
}

function positiveInteger(text: string, flag: string): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`invalid ${flag} "${text}": use a whole number of 1 or more`);
  }
  return value;
}

function positiveDuration(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw new Error(`invalid ${flag} "${text}": use a duration above 0, e.g. 10s`);
  return ms;
}
