import { join } from 'node:path';

import type { AuditSettings } from '../audit/index.js';
import { MapSecretReader } from '../providers/secret-reader.js';
import { watchConfigDir } from '../resources/index.js';
import type { ConfigWatcher } from '../resources/index.js';
import { openSqliteStateStore, ReopeningStateStore } from '../state/index.js';
import { readinessConditions } from './routes/health.js';
import { startServer } from './start-server.js';
import type { ConfigSource, RunningServer, ServerOptions } from './start-server.js';

export type { RunningServer } from './start-server.js';

/** Everything `federation-server serve` in standalone mode takes. */
export interface StandaloneOptions extends ServerOptions {
  configDir: string;
  dataDir: string;
  /** Milliseconds between polls of the config dir (on top of file events); default 1000. */
  configPollIntervalMs?: number;
  /**
   * The audit trail: `log` is a file path, `-` (stdout) or `off`, default
   * `<dataDir>/audit.log`; `keyFile` defaults to `<dataDir>/audit.key`.
   */
  audit?: Partial<AuditSettings>;
}

/** Manifests from a directory (hot-reloaded), state in SQLite under the data dir. */
function configDirSource(options: StandaloneOptions): ConfigSource {
  const { logger } = options;
  const state = new ReopeningStateStore({
    open: () => openSqliteStateStore(options.dataDir),
    logger,
  });
  // Store credentials kept in the config dir's v1/Secret manifests, read at call time.
  const secrets = new MapSecretReader();
  let watcher: ConfigWatcher | undefined;
  return {
    state,
    secrets,
    describe: { configDir: options.configDir },
    async start(apply) {
      watcher = await watchConfigDir(options.configDir, {
        secrets,
        logger,
        pollIntervalMs: options.configPollIntervalMs ?? 1000,
        onChange: apply,
      });
      const directoryError = watcher.report.directoryError;
      if (directoryError !== undefined) {
        throw new Error(`cannot read --config-dir ${options.configDir}: ${directoryError}`);
      }
    },
    waitingFor: () =>
      watcher?.report.directoryError === undefined ? [] : [readinessConditions.configDirectory],
    refresh: async () => {
      await watcher?.refresh();
    },
    async close() {
      await watcher?.close();
      await state.close();
    },
  };
}

/**
 * Starts the hub in standalone mode: manifests from a directory (hot-reloaded), state in
 * SQLite, the HTTP API on the given address. Resolves once the first configuration is
 * loaded and the server listens.
 */
export function startStandalone(options: StandaloneOptions): Promise<RunningServer> {
  return startServer(options, configDirSource(options), {
    log: options.audit?.log ?? join(options.dataDir, 'audit.log'),
    keyFile: options.audit?.keyFile ?? join(options.dataDir, 'audit.key'),
    sink: options.audit?.sink,
    file: options.audit?.file,
  });
}
