/** Generator state: the store interface, its SQLite backend and the garbage-collection sweeper. */
export { ownerOf } from './state-store.js';
export type {
  GeneratorRef,
  GeneratorStateRecord,
  NewState,
  StateFilter,
  StateOwner,
  StateStore,
} from './state-store.js';
export { openSqliteStateStore, stateFileName } from './sqlite/sqlite-state-store.js';
export type { SqliteStateStore, SqliteStateStoreOptions } from './sqlite/sqlite-state-store.js';
export { KubernetesStateStore } from './kubernetes/kubernetes-state-store.js';
export type { KubernetesStateStoreOptions } from './kubernetes/kubernetes-state-store.js';
export { ReopeningStateStore } from './reopening-state-store.js';
export type { ReopeningStateStoreOptions, StateLogger } from './reopening-state-store.js';
export { startSweeper } from './sweeper.js';
export type { Sweeper, SweeperOptions } from './sweeper.js';
