import type { Logger } from 'pino';

import { Authenticator } from '../authn/index.js';
import type { AuthenticatorOptions } from '../authn/index.js';
import { FederationMetrics, listenForScrapes } from '../metrics/index.js';
import type { MetricsListener } from '../metrics/index.js';
import { watchConfigDir } from '../resources/index.js';
import type { ConfigWatcher } from '../resources/index.js';
import { openSqliteStateStore, startSweeper } from '../state/index.js';
import { buildApp } from './app.js';
import { revokeExpiredState } from './credentials.js';
import { LiveConfig } from './live-config.js';

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
   * Where to serve `GET /metrics` (Prometheus), apart from the API; any interface, as the
   * metrics carry no token or secret. Default: not served.
   */
  metricsListen?: { host: string; port: number };
}

export interface RunningServer {
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  url: string;
  /** `http://host:port/metrics` as bound, when `metricsListen` was given. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/**
 * Starts the hub in standalone mode: manifests from a directory (hot-reloaded), state in
 * SQLite, the HTTP API on the given address. Resolves once the first configuration is
 * loaded and the server listens.
 */
export async function startStandalone(options: StandaloneOptions): Promise<RunningServer> {
  const { logger } = options;
  const backendTimeoutMs = options.backendTimeoutMs ?? 10_000;
  const state = await openSqliteStateStore(options.dataDir);
  const config = new LiveConfig();
  const metrics = new FederationMetrics({ processMetrics: options.metricsListen !== undefined });
  const authenticator = new Authenticator({ logger, ...options.authn, keySetObserver: metrics });
  config.onApply(({ snapshot }) => authenticator.retain(snapshot.federations));

  let watcher: ConfigWatcher | undefined;
  try {
    watcher = await watchConfigDir(options.configDir, {
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

  const credentials = {
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
    options: { backendTimeoutMs },
    readiness: () => (config.isLoaded ? [] : ['configuration']),
  });

  let metricsListener: MetricsListener | undefined;
  const closeAll = async (): Promise<void> => {
    await metricsListener?.close();
    await app.close();
    await sweeper.stop();
    await watcher?.close();
    await authenticator.close();
    await state.close();
  };
  try {
    await app.listen({ host: options.host, port: options.port });
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
  logger.info({ url: `http://${host}:${port}`, configDir: options.configDir }, 'server listening');
  return { url: `http://${host}:${port}`, metricsUrl: metricsListener?.url, close: closeAll };
}
