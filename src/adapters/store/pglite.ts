/**
 * The embedded default: PostgreSQL compiled to WebAssembly (PGlite), zero setup. Data lives in
 * data/pglite under the project folder (created and migrated on first use); `dataDir: 'memory'` keeps
 * everything in memory (tests, backtests). PGlite is one process and one session: advisory locks
 * and SKIP LOCKED work but only guard against this process — run one engine per data folder and
 * use PostgreSQL to scale out.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { Row } from './rows.ts';
import type { SqlDriver, SqlSession } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';

/** <project>/data/pglite, wherever the process was started from. */
export const DEFAULT_PGLITE_DIR = fileURLToPath(new URL('../../../data/pglite', import.meta.url));

export interface PgliteStoreOptions {
  /** A folder (relative paths from the working directory), or 'memory'. Default <project>/data/pglite. */
  readonly dataDir?: string;
  /** Apply pending migrations and the seed on open (default true). */
  readonly migrate?: boolean;
  /** Use this PGlite instance (e.g. a clone of a migrated template) instead of opening one. */
  readonly db?: PGlite;
}

class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private readonly heldLocks = new Set<string>();

  constructor(readonly db: PGlite) {}

  async query(text: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.db.query<Row>(text, [...params]);
    return result.rows;
  }

  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }

  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) =>
      fn({
        query: async (text, params = []) => (await tx.query<Row>(text, [...params])).rows,
        exec: async (text) => {
          await tx.exec(text);
        },
      }),
    );
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const unlisten = await this.db.listen(channel, onPayload);
    return () => unlisten();
  }

  // One session: the lock is re-entrant in PostgreSQL, so remember what this driver holds.
  async tryAdvisoryLock(key: string): Promise<boolean> {
    if (this.heldLocks.has(key)) return true;
    const rows = await this.query('select pg_try_advisory_lock(hashtext($1)) as locked', [key]);
    const locked = rows[0]?.locked === true;
    if (locked) this.heldLocks.add(key);
    return locked;
  }

  async advisoryUnlock(key: string): Promise<void> {
    if (!this.heldLocks.delete(key)) return;
    await this.query('select pg_advisory_unlock(hashtext($1))', [key]);
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

/** Open a PGlite database (created if missing) without migrating it. */
export async function openPglite(dataDir: string = DEFAULT_PGLITE_DIR): Promise<PGlite> {
  if (dataDir === 'memory') return PGlite.create();
  const dir = resolve(dataDir);
  mkdirSync(dirname(dir), { recursive: true });
  return PGlite.create({ dataDir: dir });
}

export async function createPgliteStore(options: PgliteStoreOptions = {}): Promise<SqlStore> {
  const db = options.db ?? (await openPglite(options.dataDir));
  const store = new SqlStore(new PgliteDriver(db));
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
