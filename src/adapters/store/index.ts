/** Persistence adapters for the Store port (src/ports/store.ts). See docs/store.md. */
export { type AlertStreamOptions, alertStream } from './alert-stream.ts';
export { StoreError } from './errors.ts';
export { chooseStoreKind, createStore, type StoreConfig, storeConfigFromEnv } from './factory.ts';
export { loadMigrations, runMigrations } from './migrations.ts';
export { createPgliteStore, DEFAULT_PGLITE_DIR } from './pglite.ts';
export { createPostgresStore } from './postgres.ts';
export { checkMachineVersion, MachineVersionMismatchError, restorablePositions } from './recovery.ts';
export { SqlStore } from './sql-store.ts';
export { createSupabaseStore, SupabaseStore } from './supabase.ts';
export { WriteQueue, type WriteQueueOptions, type WriteQueueStatus } from './write-queue.ts';
