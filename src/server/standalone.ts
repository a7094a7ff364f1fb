import type { Logger } from 'pino';

import { Authenticator } from '../authn/index.js';
import type { AuthenticatorOptions } from '../authn/index.js';
import { watchConfigDir } from '../resources/index.js';
import type { ConfigWatcher } from '../resources/index.js';
import { openSqliteStateStore, startSweeper } from '../state/index.js';
import { buildApp } from './app.js';
import { revokeState } from './credentials.js';
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
}

export interface RunningServer {
  /** `http://host:port` as bound (the real port when 0 was asked for). */
  url: string;
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
  const authenticator = new Authenticator({ logger, ...options.authn });
  config.onApply(({ snapshot }) => authenticator.retain(snapshot.federations));

  let watcher: ConfigWatcher | undefined;
  try {
    watcher = await watchConfigDir(options.configDir, {
      logger,
      pollIntervalMs: options.configPollIntervalMs ?? 1000,
      onChange: (snapshot) => config.apply(snapshot),
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
  };
  const sweeper = startSweeper({
    store: state,
    revoke: (record) => revokeState(record, backendTimeoutMs),
    intervalMs: options.sweepIntervalMs ?? 30_000,
    logger,
  });
  const app = buildApp({
    config,
    authenticator,
    credentials,
    logger,
    options: { backendTimeoutMs },
    readiness: () => (config.isLoaded ? [] : ['configuration']),
  });

  const closeAll = async (): Promise<void> => {
    await app.close();
    await sweeper.stop();
    await watcher?.close();
    await authenticator.close();
    await state.close();
  };
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await closeAll();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  logger.info({ url: `http://${host}:${port}`, configDir: options.configDir }, 'server listening');
  return { url: `http://${host}:${port}`, close: closeAll };
}
