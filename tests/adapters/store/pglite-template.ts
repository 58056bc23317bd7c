/**
 * Fast fresh PGlite stores for tests: initdb + migrations run once per migration set, the data
 * folder is dumped to a tarball in the OS temp folder, and every fresh store loads that tarball.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS_DIR, SEED_FILE } from '../../../src/adapters/store/migrations.ts';
import { createPgliteStore } from '../../../src/adapters/store/pglite.ts';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';

let cached: Uint8Array | null = null;

function templatePath(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(MIGRATIONS_DIR).sort())
    hash.update(f).update(readFileSync(join(MIGRATIONS_DIR, f)));
  hash.update(readFileSync(SEED_FILE));
  hash.update(PGlite.name);
  return join(tmpdir(), `valuearea-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
}

async function template(): Promise<Uint8Array> {
  if (cached) return cached;
  const path = templatePath();
  if (existsSync(path)) {
    cached = new Uint8Array(readFileSync(path));
    return cached;
  }
  const store = await createPgliteStore({ dataDir: 'memory' });
  const db = (store.sql as unknown as { db: PGlite }).db;
  const blob = await db.dumpDataDir('none');
  cached = new Uint8Array(await blob.arrayBuffer());
  await store.close();
  const partial = `${path}.${process.pid}.partial`;
  writeFileSync(partial, cached);
  renameSync(partial, path); // atomic: parallel test files never read half a file
  return cached;
}

/** A migrated, empty in-memory PGlite store. */
export async function freshPgliteStore(): Promise<SqlStore> {
  const db = await PGlite.create({ loadDataDir: new Blob([(await template()) as Uint8Array<ArrayBuffer>]) });
  return createPgliteStore({ db });
}
