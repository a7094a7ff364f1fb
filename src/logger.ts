import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

/**
 * Paths censored in every log line. A safety net only: the code logs names and
 * references, never a token, a header, a secret value or a key.
 */
export const redactedPaths = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'value',
  '*.value',
  'values',
  '*.values',
  'providerState',
  '*.providerState',
  'privateKey',
  '*.privateKey',
  'password',
  '*.password',
  'caCert',
  '*["ca.crt"]',
];

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The structured JSON logger of the server; one line per event, to stdout by default. */
export function createLogger(level: LogLevel = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'federation-server' },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination) : pino(options);
}
