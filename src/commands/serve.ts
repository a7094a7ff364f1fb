import { resolve } from 'node:path';

import { Command, Option } from 'commander';

import { createLogger } from '../logger.js';
import type { LogLevel } from '../logger.js';
import { startStandalone } from '../server/standalone.js';
import type { RunningServer, StandaloneOptions } from '../server/standalone.js';
import { parseDuration } from '../duration.js';
import { parseListenAddress } from './listen-address.js';
import { addListenerOptions, listenerOptions } from './listener-flags.js';
import type { ListenerFlags } from './listener-flags.js';

/** Flags shared by `serve` and `dev`. */
export interface CommonServeFlags extends ListenerFlags {
  listen: string;
  logLevel: LogLevel;
  backendTimeout: string;
  stateTtl: string;
  sweepInterval: string;
  jwksFetchTimeout: string;
  jwksRefreshInterval: string;
  jwksUnknownKidCooldown: string;
  jwksMaxStale: string;
  clockSkew: string;
  requireCaBundle: boolean;
  metricsListen?: string;
  rateLimit: string;
  rateLimitBurst: string;
}

export function addCommonServeOptions(command: Command): Command {
  command.addOption(
    new Option('--listen <host:port>', 'address to serve on (plain HTTP: loopback only)').default(
      '127.0.0.1:8080',
    ),
  );
  return addListenerOptions(command)
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .option('--backend-timeout <duration>', 'bound on one secret read or generator call', '10s')
    .option(
      '--state-ttl <duration>',
      'how long generator state is kept before it is revoked',
      '24h',
    )
    .option('--sweep-interval <duration>', 'time between garbage-collection sweeps of state', '30s')
    .option('--jwks-fetch-timeout <duration>', 'timeout of one discovery or JWKS request', '5s')
    .option(
      '--jwks-refresh-interval <duration>',
      'age after which a federation key set is refreshed in the background',
      '5m',
    )
    .option(
      '--jwks-unknown-kid-cooldown <duration>',
      'minimum time between refreshes caused by an unknown key id, per federation',
      '5s',
    )
    .option(
      '--jwks-max-stale <duration>',
      'how long the last good key set is used while its issuer is unreachable',
      '24h',
    )
    .option('--clock-skew <duration>', 'tolerance for exp, nbf and iat', '30s')
    .option(
      '--require-ca-bundle',
      'refuse federations without spec.caBundle instead of trusting the ca.crt a client sends',
      false,
    )
    .option(
      '--rate-limit <per-second>',
      'requests per second each identity (issuer + subject) earns; 0 turns the limit off',
      '100',
    )
    .option(
      '--rate-limit-burst <requests>',
      'requests one identity may make at once, e.g. a thousand pods starting together',
      '2000',
    )
    .option(
      '--metrics-listen <host:port>',
      'serve GET /metrics (Prometheus) on this address, apart from the API (default: off)',
    );
}

function parseCount(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(value)) {
    throw new Error(`invalid ${flag} "${text}": use a number of 0 or more`);
  }
  return value;
}

/** Turns the flags into server options; throws a one-line error for bad values. */
export function standaloneOptions(
  flags: CommonServeFlags,
  dirs: { configDir: string; dataDir: string },
): StandaloneOptions {
  const listen = parseListenAddress(flags.listen);
  const logger = createLogger(flags.logLevel);
  return {
    ...listenerOptions(flags, listen.host, logger),
    configDir: resolve(dirs.configDir),
    dataDir: resolve(dirs.dataDir),
    host: listen.host,
    port: listen.port,
    logger,
    backendTimeoutMs: parseDuration(flags.backendTimeout),
    stateTtlMs: parseDuration(flags.stateTtl),
    sweepIntervalMs: parseDuration(flags.sweepInterval),
    // No loopback rule here: the metrics carry no token and no secret.
    metricsListen:
      flags.metricsListen === undefined ? undefined : parseListenAddress(flags.metricsListen),
    rateLimit: {
      ratePerSecond: parseCount(flags.rateLimit, '--rate-limit'),
      burst: parseCount(flags.rateLimitBurst, '--rate-limit-burst'),
    },
    authn: {
      fetchTimeoutMs: parseDuration(flags.jwksFetchTimeout),
      refreshIntervalMs: parseDuration(flags.jwksRefreshInterval),
      unknownKidCooldownMs: parseDuration(flags.jwksUnknownKidCooldown),
      maxStaleMs: parseDuration(flags.jwksMaxStale),
      clockToleranceSec: Math.round(parseDuration(flags.clockSkew) / 1000),
      requireCABundle: flags.requireCaBundle,
    },
  };
}

/** Runs until SIGTERM or SIGINT, then closes in order and resolves with the exit code. */
export function runUntilSignal(
  server: RunningServer,
  beforeClose?: () => Promise<void>,
): Promise<number> {
  return new Promise((resolveExit) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void (async () => {
        await beforeClose?.();
        await server.close();
        resolveExit(0);
      })();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

interface ServeFlags extends CommonServeFlags {
  configDir: string;
  dataDir: string;
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description('run the hub in standalone mode: manifests from a directory, state in SQLite')
    .requiredOption(
      '--config-dir <dir>',
      'directory of manifests (*.yaml, *.yml, *.json), hot-reloaded',
    )
    .option('--data-dir <dir>', 'directory of the embedded state database', './federation-data');
  addCommonServeOptions(command);
  return command.action(async (flags: ServeFlags) => {
    const options = standaloneOptions(flags, flags);
    const server = await startStandalone(options);
    process.exitCode = await runUntilSignal(server);
  });
}
