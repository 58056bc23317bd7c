/**
 * Migration runner for the SQL adapters. Applies supabase/migrations/*.sql in file-name order, one
 * transaction each, and records every applied file in `schema_migrations`, so a second run applies
 * nothing. A transaction-level advisory lock serialises processes that start at the same time.
 * Supabase projects are migrated by the Supabase CLI instead (`supabase db push`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { SqlDriver, SqlSession } from './sql-driver.ts';

export interface Migration {
  /** The 14-digit timestamp prefix, e.g. "20261121180000". */
  readonly version: string;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../supabase/migrations/', import.meta.url));
export const SEED_FILE = fileURLToPath(new URL('../../../supabase/seed.sql', import.meta.url));

const FILE_RE = /^(\d{14})_([a-z0-9_]+)\.sql$/;
const LOCK_KEY = 'valuearea:migrations';

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  return files.map((file) => {
    const match = FILE_RE.exec(file);
    if (!match) {
      throw new Error(
        `Migration file ${dir}${file} is misnamed: use YYYYMMDDHHMMSS_name.sql (lower-case name, underscores)`,
      );
    }
    return { version: match[1]!, name: match[2]!, sql: readFileSync(`${dir}${file}`, 'utf8') };
  });
}

async function lock(tx: SqlSession): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(hashtext($1))', [LOCK_KEY]);
}

/** Apply pending migrations; returns the versions applied by this call (empty when up to date). */
export async function runMigrations(
  driver: SqlDriver,
  migrations: readonly Migration[] = loadMigrations(),
): Promise<string[]> {
  await driver.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(`
      create table if not exists schema_migrations (
        version text primary key,
        name text not null,
        applied_at timestamptz not null default now()
      );
      alter table schema_migrations enable row level security;`);
  });
  const applied: string[] = [];
  for (const migration of migrations) {
    const done = await driver.transaction(async (tx) => {
      await lock(tx);
      const existing = await tx.query('select 1 from schema_migrations where version = $1', [
        migration.version,
      ]);
      if (existing.length > 0) return false;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(
          `Migration ${migration.version}_${migration.name}.sql failed and was rolled back: ${reason}. ` +
            'Fix the SQL (or the database state it expects) and start again; earlier migrations stay applied.',
        );
      }
      await tx.query('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}

/** Apply supabase/seed.sql (idempotent: it keeps existing rows). */
export async function runSeed(driver: SqlDriver, file: string = SEED_FILE): Promise<void> {
  const sql = readFileSync(file, 'utf8');
  await driver.transaction(async (tx) => {
    await tx.exec(sql);
  });
}
