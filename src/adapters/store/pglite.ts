/**
 * The embedded default: PostgreSQL compiled to WebAssembly (PGlite), zero setup. Data lives in
 * data/pglite under the project folder (created and migrated on first use); `dataDir: 'memory'` keeps
 * everything in memory (tests, backtests). PGlite is one process and one session: advisory locks
 * and SKIP LOCKED work but only guard against this process — run one engine per data folder and
 * use PostgreSQL to scale out.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  constructor(
    readonly db: PGlite,
    private readonly lockFile: string | null = null,
  ) {}

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
    if (this.lockFile) rmSync(this.lockFile, { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process per data folder: two PGlite instances on the same files corrupt them. The lock is a
 * `<folder>.lock` file holding the owner's pid; a lock left by a dead process is taken over.
 */
export function lockDataDir(dir: string): string {
  const lockFile = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return lockFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new Error(
          `The embedded database ${dir} is in use by process ${owner}${owner === process.pid ? ' (this one)' : ''}. ` +
            'Fix: stop that process, or give this one its own folder (PGLITE_DATA_DIR), or use a PostgreSQL server ' +
            '(DATABASE_URL) to run several engines on one database.',
        );
      }
      rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(
    `Could not lock the embedded database ${dir}: remove ${lockFile} if no valuearea process is running`,
  );
}

/** Open a PGlite database (created if missing) without migrating it. */
export async function openPglite(dataDir: string = DEFAULT_PGLITE_DIR): Promise<PGlite> {
  if (dataDir === 'memory') return PGlite.create();
  const dir = resolve(dataDir);
  mkdirSync(dirname(dir), { recursive: true });
  return PGlite.create({ dataDir: dir });
}

export async function createPgliteStore(options: PgliteStoreOptions = {}): Promise<SqlStore> {
  let lockFile: string | null = null;
  let db = options.db;
  if (!db) {
    const dataDir = options.dataDir ?? DEFAULT_PGLITE_DIR;
    if (dataDir !== 'memory') {
      mkdirSync(dirname(resolve(dataDir)), { recursive: true });
      lockFile = lockDataDir(resolve(dataDir));
    }
    try {
      db = await openPglite(dataDir);
    } catch (error) {
      if (lockFile) rmSync(lockFile, { force: true });
      throw error;
    }
  }
  const store = new SqlStore(new PgliteDriver(db, lockFile));
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
