import type { Server as HttpsServer } from 'node:https';
import type { Server as TlsServer } from 'node:tls';

import type { Logger } from 'pino';

import { openAuditTrail } from '../audit/index.js';
import type { AuditSettings, AuditTrail } from '../audit/index.js';
import { Authenticator } from '../authn/index.js';
import type { AuthenticatorOptions, KeySetObserver } from '../authn/index.js';
import { FederationMetrics, listenForScrapes } from '../metrics/index.js';
import type { MetricsListener } from '../metrics/index.js';
import type { SecretReader } from '../providers/provider.js';
import type { ConfigReport, ConfigSnapshot } from '../resources/index.js';
import { startSweeper } from '../state/index.js';
import type { StateStore } from '../state/index.js';
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
import { revocationClaimMs, revokeExpiredState } from './credentials.js';
import { LiveConfig } from './live-config.js';
import { RateLimiter } from './rate-limit.js';
import { readinessConditions } from './routes/health.js';

/** What every mode of `federation-server serve` takes. */
export interface ServerOptions {
  host: string;
  port: number;
  logger: Logger;
  /** Milliseconds; default 10000. */
  backendTimeoutMs?: number;
  /** How long generator state is kept before the sweeper revokes it; ms, default 24 h. */
  stateTtlMs?: number;
  /** Milliseconds between garbage-collection sweeps; default 30000. */
  sweepIntervalMs?: number;
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
}

export interface RunningServer {
  /** `http://host:port` or `https://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  /** `http://host:port/metrics` as bound, when `metricsListen` was given. */
  metricsUrl?: string;
  /** What `/readyz` says is still missing; empty once the server is ready. */
  readiness(): string[];
  /**
   * Reads every configuration file and the TLS files again now, whatever their
   * fingerprints say (SIGHUP); resolves once the result is applied.
   */
  reload(): Promise<void>;
  /**
   * Stops accepting, lets requests in flight finish, then closes the sweeper, the watches
   * and the state. Connections still busy after `drainMs` (milliseconds; default: no bound)
   * are cut so that the process can end.
   */
  close(drainMs?: number): Promise<void>;
  /**
   * Opens the audit log file again at its path, for log rotation (SIGHUP). Never rejects:
   * a failure is logged, and each later write tries again (and fails until it can).
   */
  reopenAudit(): Promise<void>;
}

/** Where one mode keeps its configuration and its state. */
export interface ConfigSource {
  state: StateStore;
  /** Where store and generator credentials (Secret references) are read. */
  secrets: SecretReader;
  /** Starts feeding configurations to `apply`; rejects when the source cannot start. */
  start(apply: (snapshot: ConfigSnapshot, report: ConfigReport) => void): Promise<void>;
  /**
   * Conditions still missing for readiness; `[]` when none. Before the first configuration
   * they say what it waits for, listed after `configuration`.
   */
  waitingFor(): string[];
  /** Reads the source again now (SIGHUP). */
  refresh(): Promise<void>;
  /** Told about every key fetch of a federation, e.g. to write its status. */
  keySetObserver?: KeySetObserver;
  /** Fields of the `server listening` line, e.g. `{ configDir }`. */
  describe: Record<string, string>;
  close(): Promise<void>;
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

/** Opens the audit trail the settings name; logs where it goes, or that it is off. */
async function openAudit(
  settings: AuditSettings,
  metrics: FederationMetrics,
  logger: Logger,
): Promise<AuditTrail | undefined> {
  const trail = await openAuditTrail(settings, (result, lines) =>
    metrics.auditLines(result, lines),
  );
  if (trail === undefined) {
    logger.warn({ auditLog: 'off' }, 'audit trail off: decisions are not recorded');
    return undefined;
  }
  logger.info(
    { auditLog: trail.description, auditKeyFile: settings.keyFile, seq: trail.head?.seq ?? 0 },
    'audit trail open',
  );
  return trail;
}

/**
 * Starts the hub on a configuration source: authentication, the HTTP API, the sweeper,
 * the audit trail and metrics. Resolves once the first configuration is loaded and the
 * server listens; on failure everything started is closed again, the source included.
 */
export async function startServer(
  options: ServerOptions,
  source: ConfigSource,
  audit: AuditSettings,
): Promise<RunningServer> {
  const { logger } = options;
  const backendTimeoutMs = options.backendTimeoutMs ?? 10_000;
  setMaxConcurrentBackendCalls(
    options.maxConcurrentBackendCalls ?? defaultMaxConcurrentBackendCalls,
  );
  const config = new LiveConfig();
  const metrics = new FederationMetrics({ processMetrics: options.metricsListen !== undefined });
  const keySetObserver: KeySetObserver = {
    keySetFetched: (federation, result, detail) => {
      metrics.keySetFetched(federation, result);
      source.keySetObserver?.keySetFetched(federation, result, detail);
    },
  };
  const authenticator = new Authenticator({ logger, ...options.authn, keySetObserver });
  config.onApply(({ snapshot }) => authenticator.retain(snapshot.federations));

  let tls: ServerCredentials | undefined;
  let trail: AuditTrail | undefined;
  try {
    tls = options.tls && (await loadTls(options.tls, logger));
    await source.start((snapshot, report) => {
      metrics.configLoaded(report);
      config.apply(snapshot);
    });
    trail = await openAudit(audit, metrics, logger);
  } catch (error) {
    await source.close();
    await authenticator.close();
    throw error;
  }

  const { state, secrets } = source;
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
    claimMs: revocationClaimMs(backendTimeoutMs),
    logger,
  });
  const readiness = (): string[] =>
    config.isLoaded
      ? source.waitingFor()
      : [readinessConditions.configuration, ...source.waitingFor()];
  const app = buildApp({
    config,
    authenticator,
    credentials,
    logger,
    metrics,
    options: { backendTimeoutMs, limits: options.limits, tls },
    readiness,
    rateLimiter: new RateLimiter(options.rateLimit ?? { ratePerSecond: 100, burst: 2000 }),
    audit: trail,
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
    await trail?.close();
    await sweeper.stop();
    await authenticator.close();
    await source.close();
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
      const listener: TlsServer = app.server as HttpsServer;
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
  logger.info({ url, ...source.describe }, 'server listening');
  const reload = async (): Promise<void> => {
    await source.refresh();
    await tlsWatch?.refresh();
  };
  const reopenAudit = async (): Promise<void> => {
    try {
      await trail?.reopen();
      if (trail) logger.info({ auditLog: trail.description }, 'audit log reopened');
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      logger.error({ auditLog: trail?.description, detail }, 'audit log not reopened');
    }
  };
  return {
    url,
    metricsUrl: metricsListener?.url,
    readiness,
    reload,
    close: closeAll,
    reopenAudit,
  };
}
