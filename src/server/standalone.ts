import { join } from 'node:path';
import type { Server as TlsServer } from 'node:tls';

import type { Logger } from 'pino';

import { openAuditTrail } from '../audit/index.js';
import type { AuditSettings, AuditTrail } from '../audit/index.js';
import { Authenticator } from '../authn/index.js';
import type { AuthenticatorOptions } from '../authn/index.js';
import { FederationMetrics, listenForScrapes } from '../metrics/index.js';
import type { MetricsListener } from '../metrics/index.js';
import { watchConfigDir } from '../resources/index.js';
import type { ConfigWatcher } from '../resources/index.js';
import { openSqliteStateStore, ReopeningStateStore, startSweeper } from '../state/index.js';
import {
  describeCredentials,
  loadServerCredentials,
  secureContextOptions,
  watchServerCredentials,
} from '../tls/index.js';
import type { CredentialsWatch, ServerCredentials, ServerTlsFiles } from '../tls/index.js';
import { buildApp } from './app.js';
import { defaultMaxConcurrentBackendCalls, setMaxConcurrentBackendCalls } from './backend-call.js';
import type { HttpLimits } from './context.js';
import { revokeExpiredState } from './credentials.js';
import { LiveConfig } from './live-config.js';
import { RateLimiter } from './rate-limit.js';
import { readinessConditions } from './routes/health.js';
import { MapSecretReader } from '../providers/secret-reader.js';

/** Everything `federation-server serve` in standalone mode takes. */
export interface StandaloneOptions {
  configDir: string;
  dataDir: string;
  host: string;
  port: number;
  logger: Logger;
  /** Milliseconds; default 10000. */
  backendTimeoutMs?: number;
  /** How long generator state is kept before the sweeper revokes it; ms, default 24 h. */
  stateTtlMs?: number;
  /** Milliseconds between garbage-collection sweeps; default 30000. */
  sweepIntervalMs?: number;
  /** Milliseconds between polls of the config dir (on top of file events); default 1000. */
  configPollIntervalMs?: number;
  authn?: Partial<AuthenticatorOptions>;
  /**
   * Per-identity rate limit: requests per second (0: off) and burst. Default 100/s with a
   * burst of 2000, enough for a thousand pods of one service account starting at once.
   */
  rateLimit?: { ratePerSecond: number; burst: number };
  /**
   * Where to serve `GET /metrics` (Prometheus), apart from the API; any interface, as the
   * metrics carry no token or secret. Default: not served.
   */
  metricsListen?: { host: string; port: number };
  /**
   * Serve HTTPS from these files, reloaded when they change; default plain HTTP. Whether
   * plain HTTP may listen on the given host is the caller's decision (see `serve`).
   */
  tls?: ServerTlsFiles;
  /** Milliseconds between reads of the TLS files (on top of file events); default 1000. */
  tlsPollIntervalMs?: number;
  /** Header size and timeouts of the listener; see `defaultHttpLimits`. */
  limits?: Partial<HttpLimits>;
  /** Provider and generator calls running at once; more wait for a slot. Default 64. */
  maxConcurrentBackendCalls?: number;
  /**
   * The audit trail: `log` is a file path, `-` (stdout) or `off`, default
   * `<dataDir>/audit.log`; `keyFile` defaults to `<dataDir>/audit.key`.
   */
  audit?: Partial<AuditSettings>;
}

export interface RunningServer {
  /** `http://host:port` or `https://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  /** `http://host:port/metrics` as bound, when `metricsListen` was given. */
  metricsUrl?: string;
  /**
   * Reads every configuration file and the TLS files again now, whatever their
   * fingerprints say (SIGHUP); resolves once the result is applied.
   */
  reload(): Promise<void>;
  /**
   * Stops accepting, lets requests in flight finish, then closes the sweeper, the watches
   * and the state database. Connections still busy after `drainMs` (milliseconds; default:
   * no bound) are cut so that the process can end.
   */
  close(drainMs?: number): Promise<void>;
  /**
   * Opens the audit log file again at its path, for log rotation (SIGHUP). Never rejects:
   * a failure is logged, and each later write tries again (and fails until it can).
   */
  reopenAudit(): Promise<void>;
}

/**
 * Starts the hub in standalone mode: manifests from a directory (hot-reloaded), state in
 * SQLite, the HTTP API on the given address. Resolves once the first configuration is
 * loaded and the server listens.
 */
export async function startStandalone(options: StandaloneOptions): Promise<RunningServer> {
  const { logger } = options;
  const backendTimeoutMs = options.backendTimeoutMs ?? 10_000;
  const tls = options.tls && (await loadTls(options.tls, logger));
  setMaxConcurrentBackendCalls(
    options.maxConcurrentBackendCalls ?? defaultMaxConcurrentBackendCalls,
  );
  const state = new ReopeningStateStore({
    open: () => openSqliteStateStore(options.dataDir),
    logger,
  });
  const config = new LiveConfig();
  const metrics = new FederationMetrics({ processMetrics: options.metricsListen !== undefined });
  const authenticator = new Authenticator({ logger, ...options.authn, keySetObserver: metrics });
  config.onApply(({ snapshot }) => authenticator.retain(snapshot.federations));

  // Store credentials kept in the config dir's v1/Secret manifests, read at call time.
  const secrets = new MapSecretReader();
  let watcher: ConfigWatcher | undefined;
  try {
    watcher = await watchConfigDir(options.configDir, {
      secrets,
      logger,
      pollIntervalMs: options.configPollIntervalMs ?? 1000,
      onChange: (snapshot, report) => {
        metrics.configLoaded(report);
        config.apply(snapshot);
      },
    });
  } catch (error) {
    await state.close();
    throw error;
  }
  const directoryError = watcher.report.directoryError;
  if (directoryError !== undefined) {
    await watcher.close();
    await state.close();
    throw new Error(`cannot read --config-dir ${options.configDir}: ${directoryError}`);
  }
  let audit: AuditTrail | undefined;
  try {
    audit = await openAudit(options, metrics);
  } catch (error) {
    await watcher.close();
    await state.close();
    throw error;
  }

  const credentials = {
    secrets,
    state,
    logger,
    stateTtlMs: options.stateTtlMs ?? 24 * 3_600_000,
    backendTimeoutMs,
    metrics,
  };
  metrics.attach({
    keySetAges: () => authenticator.keySetAges(),
    stores: () => config.current.snapshot.stores.values(),
    countStates: () => state.count(),
  });
  const sweeper = startSweeper({
    store: state,
    revoke: (record) => revokeExpiredState(record, credentials),
    intervalMs: options.sweepIntervalMs ?? 30_000,
    logger,
  });
  const app = buildApp({
    config,
    authenticator,
    credentials,
    logger,
    metrics,
    options: { backendTimeoutMs, limits: options.limits, tls },
    readiness: () => {
      if (!config.isLoaded) return [readinessConditions.configuration];
      const isDirectoryReadable = watcher?.report.directoryError === undefined;
      return isDirectoryReadable ? [] : [readinessConditions.configDirectory];
    },
    rateLimiter: new RateLimiter(options.rateLimit ?? { ratePerSecond: 100, burst: 2000 }),
    audit,
  });

  let metricsListener: MetricsListener | undefined;
  let tlsWatch: CredentialsWatch | undefined;
  let closing: Promise<void> | undefined;
  const cutConnections = (drainMs: number): void => {
    logger.warn({ drainMs }, 'requests still in flight at the drain deadline; cutting them');
    app.server.closeAllConnections();
  };
  const closeInOrder = async (drainMs?: number): Promise<void> => {
    await tlsWatch?.close();
    await metricsListener?.close();
    const cut = drainMs === undefined ? undefined : setTimeout(cutConnections, drainMs, drainMs);
    await app.close();
    clearTimeout(cut);
    await audit?.close();
    await sweeper.stop();
    await watcher?.close();
    await authenticator.close();
    await state.close();
  };
  // A second call (a second SIGTERM) joins the first, cutting connections when it asks to.
  const closeAll = (drainMs?: number): Promise<void> => {
    if (closing === undefined) closing = closeInOrder(drainMs);
    else if (drainMs === 0) cutConnections(0);
    return closing;
  };
  try {
    await app.listen({ host: options.host, port: options.port });
    if (options.tls && tls) {
      // Fastify types its server as plain HTTP; with `tls` it is Node's HTTPS server.
      const listener = app.server as unknown as TlsServer;
      tlsWatch = watchServerCredentials(options.tls, {
        current: tls,
        apply: (next) => listener.setSecureContext(secureContextOptions(next)),
        logger,
        pollIntervalMs: options.tlsPollIntervalMs,
      });
    }
    if (options.metricsListen) {
      metricsListener = await listenForScrapes(metrics, options.metricsListen);
      logger.info({ url: metricsListener.url }, 'metrics listening');
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  logger.info({ url, configDir: options.configDir }, 'server listening');
  const reload = async (): Promise<void> => {
    await watcher?.refresh();
    await tlsWatch?.refresh();
  };
  const reopenAudit = async (): Promise<void> => {
    try {
      await audit?.reopen();
      if (audit) logger.info({ auditLog: audit.description }, 'audit log reopened');
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      logger.error({ auditLog: audit?.description, detail }, 'audit log not reopened');
    }
  };
  return { url, metricsUrl: metricsListener?.url, reload, close: closeAll, reopenAudit };
}

/** Opens the audit trail the options name; logs where it goes, or that it is off. */
async function openAudit(
  options: StandaloneOptions,
  metrics: FederationMetrics,
): Promise<AuditTrail | undefined> {
  const settings: AuditSettings = {
    log: options.audit?.log ?? join(options.dataDir, 'audit.log'),
    keyFile: options.audit?.keyFile ?? join(options.dataDir, 'audit.key'),
    sink: options.audit?.sink,
    file: options.audit?.file,
  };
  const trail = await openAuditTrail(settings, (result, lines) =>
    metrics.auditLines(result, lines),
  );
  if (trail === undefined) {
    options.logger.warn({ auditLog: 'off' }, 'audit trail off: decisions are not recorded');
    return undefined;
  }
  const head = trail.head;
  options.logger.info(
    { auditLog: trail.description, auditKeyFile: settings.keyFile, seq: head?.seq ?? 0 },
    'audit trail open',
  );
  return trail;
}

/** Loads the TLS files once before anything starts; a problem stops the start. */
async function loadTls(files: ServerTlsFiles, logger: Logger): Promise<ServerCredentials> {
  let credentials: ServerCredentials;
  try {
    credentials = await loadServerCredentials(files);
  } catch (error) {
    throw new Error(`cannot serve HTTPS: ${error instanceof Error ? error.message : error}`);
  }
  logger.info(describeCredentials(files, credentials), 'tls certificate loaded');
  return credentials;
}
