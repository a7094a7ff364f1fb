import { resolve } from 'node:path';

import { Command, Option } from 'commander';

import { createLogger } from '../logger.js';
import type { LogLevel } from '../logger.js';
import { destination } from 'pino';
import type { Logger } from 'pino';
import { isInCluster, serviceAccountNamespace } from '../kubernetes/index.js';
import type { KubeConnectionSource } from '../kubernetes/index.js';
import { startKubernetesMode } from '../server/kubernetes-mode.js';
import type { KubernetesModeOptions } from '../server/kubernetes-mode.js';
import { startStandalone } from '../server/standalone.js';
import type { RunningServer, StandaloneOptions } from '../server/standalone.js';
import type { ServerOptions } from '../server/start-server.js';
import type { AuditSettings } from '../audit/index.js';
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
  shutdownTimeout: string;
  auditLog?: string;
  auditKeyFile?: string;
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
      '--shutdown-timeout <duration>',
      'how long requests in flight may take to finish after SIGTERM before they are cut',
      '25s',
    )
    .option(
      '--metrics-listen <host:port>',
      'serve GET /metrics (Prometheus) on this address, apart from the API (default: off)',
    )
    .option(
      '--audit-log <path|-|off>',
      'audit trail: one chained JSON line per API request, to this file, - for stdout, ' +
        'or off (default: <data-dir>/audit.log; - in Kubernetes mode)',
    )
    .option(
      '--audit-key-file <path>',
      'HMAC key that pseudonymises request and token ids in the audit trail, created ' +
        'if missing (default: <data-dir>/audit.key)',
    );
}

/** The audit settings of the flags; paths are resolved against the working directory. */
function auditOptions(flags: CommonServeFlags): Partial<AuditSettings> {
  const log = flags.auditLog;
  if (log !== undefined && log.trim() === '') {
    throw new Error('invalid --audit-log "": use a file path, - for stdout, or off');
  }
  return {
    log: log === undefined || log === '-' || log === 'off' ? log : resolve(log),
    keyFile: flags.auditKeyFile === undefined ? undefined : resolve(flags.auditKeyFile),
  };
}

function parseCount(text: string, flag: string): number {
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(value)) {
    throw new Error(`invalid ${flag} "${text}": use a number of 0 or more`);
  }
  return value;
}

/** How to stop: the drain bound from the flags, logging with the server's logger. */
export function signalOptions(flags: CommonServeFlags, options: { logger: Logger }): SignalOptions {
  return { logger: options.logger, drainMs: parseDuration(flags.shutdownTimeout) };
}

/** Turns the flags every mode shares into options; throws a one-line error for bad values. */
export function serverOptions(
  flags: CommonServeFlags,
): ServerOptions & { audit: Partial<AuditSettings> } {
  const listen = parseListenAddress(flags.listen);
  const audit = auditOptions(flags);
  // Audit lines on stdout are written synchronously; so must log lines be, or a log line
  // written in pieces from another thread could take an audit line into its middle.
  const logger =
    audit?.log === '-'
      ? createLogger(flags.logLevel, destination({ fd: 1, sync: true }))
      : createLogger(flags.logLevel);
  return {
    ...listenerOptions(flags, listen.host, logger),
    audit,
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

/** Standalone mode's options: the shared ones, the config dir and the data dir. */
export function standaloneOptions(
  flags: CommonServeFlags,
  dirs: { configDir: string; dataDir: string },
): StandaloneOptions {
  return {
    ...serverOptions(flags),
    configDir: resolve(dirs.configDir),
    dataDir: resolve(dirs.dataDir),
  };
}

/** How `runUntilSignal` stops the server. */
export interface SignalOptions {
  logger: Logger;
  /** Milliseconds requests in flight get to finish after SIGTERM or SIGINT. */
  drainMs: number;
  /** Runs after the server has closed, e.g. to stop the demo cluster of `dev`. */
  afterClose?: () => Promise<void>;
}

/**
 * Serves until SIGTERM or SIGINT, then drains and closes in order and resolves with the
 * exit code. A second SIGTERM or SIGINT cuts the requests still in flight at once. SIGHUP
 * reads the configuration and TLS files again without stopping, and opens the audit log
 * file again at its path, so that logrotate's postrotate script can end the old file at
 * once; `reload finished` is logged once both are done.
 */
export function runUntilSignal(server: RunningServer, options: SignalOptions): Promise<number> {
  const { logger } = options;
  return new Promise((resolveExit) => {
    let isStopping = false;
    const reload = (): void => {
      logger.info({ signal: 'SIGHUP' }, 'reload requested');
      // reopenAudit never rejects: it logs its own outcome.
      Promise.all([server.reopenAudit(), server.reload()]).then(
        () => logger.info({ signal: 'SIGHUP' }, 'reload finished'),
        (error: unknown) => logger.error({ err: String(error) }, 'reload failed'),
      );
    };
    const stop = (signal: NodeJS.Signals): void => {
      if (isStopping) {
        logger.warn({ signal }, 'second stop signal; cutting requests in flight');
        void server.close(0);
        return;
      }
      isStopping = true;
      process.off('SIGHUP', reload);
      logger.info({ signal, drainMs: options.drainMs }, 'shutting down');
      void (async () => {
        await server.close(options.drainMs);
        await options.afterClose?.();
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        logger.info({ signal }, 'stopped');
        resolveExit(0);
      })();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reload);
  });
}

interface ServeFlags extends CommonServeFlags {
  configDir?: string;
  dataDir: string;
  kubeconfig?: string;
  namespace?: string;
}

/** The server's own namespace: the flag, the pod's (downward API or mounted file), else `default`. */
function ownNamespace(flag: string | undefined): string {
  if (flag !== undefined && flag !== '') return flag;
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  return serviceAccountNamespace() ?? 'default';
}

/** Which source the flags choose; throws a one-line error when they choose none or both. */
function chooseMode(flags: ServeFlags): { configDir: string } | { kube: KubeConnectionSource } {
  if (flags.configDir !== undefined && flags.kubeconfig !== undefined) {
    throw new Error(
      'give --config-dir (standalone mode) or --kubeconfig (Kubernetes mode), not both',
    );
  }
  if (flags.configDir !== undefined) return { configDir: flags.configDir };
  if (flags.kubeconfig !== undefined) return { kube: { kubeconfig: resolve(flags.kubeconfig) } };
  if (isInCluster()) return { kube: { inCluster: true } };
  throw new Error(
    'give --config-dir DIR (standalone mode) or --kubeconfig PATH (Kubernetes mode); ' +
      "in a pod, neither uses the pod's own service account",
  );
}

/** Kubernetes mode's options: the audit trail goes to stdout unless told otherwise. */
function kubernetesOptions(flags: ServeFlags, kube: KubeConnectionSource): KubernetesModeOptions {
  const { audit, ...common } = serverOptions({ ...flags, auditLog: flags.auditLog ?? '-' });
  return {
    ...common,
    kube,
    namespace: ownNamespace(flags.namespace),
    audit: {
      log: audit.log ?? '-',
      keyFile: audit.keyFile ?? resolve(flags.dataDir, 'audit.key'),
    },
  };
}

export function serveCommand(): Command {
  const command = new Command('serve')
    .description(
      'run the hub: manifests from a directory and state in SQLite (standalone mode), or ' +
        'custom resources watched on the API server and state as GeneratorState objects ' +
        '(Kubernetes mode)',
    )
    .option(
      '--config-dir <dir>',
      'standalone mode: directory of manifests (*.yaml, *.yml, *.json), hot-reloaded',
    )
    .option('--data-dir <dir>', 'directory of the embedded state database', './federation-data')
    .option(
      '--kubeconfig <path>',
      "Kubernetes mode: the hub cluster's kubeconfig (in a pod without it: the pod's service account)",
    )
    .option(
      '--namespace <ns>',
      "Kubernetes mode: the server's own namespace (default: the pod's, else default)",
    );
  addCommonServeOptions(command);
  return command.action(async (flags: ServeFlags) => {
    const mode = chooseMode(flags);
    if ('configDir' in mode) {
      const options = standaloneOptions(flags, {
        configDir: mode.configDir,
        dataDir: flags.dataDir,
      });
      const stopping = signalOptions(flags, options);
      const server = await startStandalone(options);
      process.exitCode = await runUntilSignal(server, stopping);
      return;
    }
    const options = kubernetesOptions(flags, mode.kube);
    const stopping = signalOptions(flags, options);
    const server = await startKubernetesMode(options);
    process.exitCode = await runUntilSignal(server, stopping);
  });
}
