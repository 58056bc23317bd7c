/**
 * createStore: one call that picks the adapter. Explicit `kind` wins; otherwise DATABASE_URL →
 * PostgreSQL, SUPABASE_URL (+ SUPABASE_SERVICE_ROLE_KEY) → Supabase, else the embedded PGlite in
 * ./data/pglite (PGLITE_DATA_DIR overrides; 'memory' for no files).
 */

import { fileURLToPath } from 'node:url';
import type { Store, StoreKind } from '../../ports/store.ts';

// The adapters are loaded only when chosen (dynamic imports below): PGlite's WASM build and
// supabase-js cost a few hundred ms of start-up that a restart of a bot on PostgreSQL should not pay.

/** <project>/data/pglite, wherever the process was started from (the same as pglite.ts's). */
const DEFAULT_PGLITE_DIR = fileURLToPath(new URL('../../../data/pglite', import.meta.url));

export interface StoreConfig {
  readonly kind?: StoreKind;
  readonly databaseUrl?: string;
  readonly supabaseUrl?: string;
  readonly supabaseServiceRoleKey?: string;
  /** PGlite folder or 'memory'. */
  readonly pgliteDataDir?: string;
  /** Migrate (SQL adapters) or check the schema (Supabase) on open; default true. */
  readonly migrate?: boolean;
  /** PostgreSQL: called when the session holding LISTEN and account locks is lost. */
  readonly onSessionLost?: (lostLocks: readonly string[], reason: string) => void;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim().length > 0 ? value.trim() : undefined;
}

export function storeConfigFromEnv(env: Record<string, string | undefined> = process.env): StoreConfig {
  const config: { -readonly [K in keyof StoreConfig]: StoreConfig[K] } = {};
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  const supabaseUrl = nonEmpty(env.SUPABASE_URL);
  const key = nonEmpty(env.SUPABASE_SERVICE_ROLE_KEY);
  const dir = nonEmpty(env.PGLITE_DATA_DIR);
  if (databaseUrl) config.databaseUrl = databaseUrl;
  if (supabaseUrl) config.supabaseUrl = supabaseUrl;
  if (key) config.supabaseServiceRoleKey = key;
  if (dir) config.pgliteDataDir = dir;
  return config;
}

/** Which adapter a config selects, with the reason (for the start-up log line). */
export function chooseStoreKind(config: StoreConfig): { kind: StoreKind; reason: string } {
  if (config.kind) return { kind: config.kind, reason: 'chosen in the configuration' };
  if (config.databaseUrl) return { kind: 'postgres', reason: 'DATABASE_URL is set' };
  if (config.supabaseUrl) return { kind: 'supabase', reason: 'SUPABASE_URL is set' };
  return {
    kind: 'pglite',
    reason: `no DATABASE_URL or SUPABASE_URL: embedded database in ${config.pgliteDataDir ?? DEFAULT_PGLITE_DIR}`,
  };
}

export async function createStore(config: StoreConfig = storeConfigFromEnv()): Promise<Store> {
  const { kind } = chooseStoreKind(config);
  const migrate = config.migrate ?? true;
  switch (kind) {
    case 'postgres': {
      if (!config.databaseUrl)
        throw new Error('Store kind "postgres" needs DATABASE_URL (postgres://user:password@host:5432/db)');
      const { createPostgresStore } = await import('./postgres.ts');
      return createPostgresStore({
        connectionString: config.databaseUrl,
        migrate,
        ...(config.onSessionLost ? { onSessionLost: config.onSessionLost } : {}),
      });
    }
    case 'supabase': {
      if (!config.supabaseUrl)
        throw new Error('Store kind "supabase" needs SUPABASE_URL (https://<ref>.supabase.co)');
      if (!config.supabaseServiceRoleKey) {
        throw new Error(
          'SUPABASE_URL is set but SUPABASE_SERVICE_ROLE_KEY is missing: copy the service_role key from the Supabase ' +
            'dashboard (Project Settings → API) into SUPABASE_SERVICE_ROLE_KEY, or unset SUPABASE_URL to use the embedded database',
        );
      }
      const { createSupabaseStore } = await import('./supabase.ts');
      return createSupabaseStore({
        url: config.supabaseUrl,
        serviceRoleKey: config.supabaseServiceRoleKey,
        migrate,
      });
    }
    case 'pglite': {
      const { createPgliteStore } = await import('./pglite.ts');
      return createPgliteStore({ dataDir: config.pgliteDataDir ?? DEFAULT_PGLITE_DIR, migrate });
    }
  }
}
