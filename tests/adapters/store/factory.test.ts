import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseStoreKind, createStore, storeConfigFromEnv } from '../../../src/adapters/store/factory.ts';
import { lockDataDir } from '../../../src/adapters/store/pglite.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';

describe('createStore', () => {
  it('chooses PostgreSQL for DATABASE_URL, Supabase for SUPABASE_URL, else the embedded database', () => {
    const pick = (env: Record<string, string>) => chooseStoreKind(storeConfigFromEnv(env)).kind;
    expect(pick({ DATABASE_URL: 'postgres://u@h/db', SUPABASE_URL: 'https://x.supabase.co' })).toBe(
      'postgres',
    );
    expect(pick({ SUPABASE_URL: 'https://x.supabase.co', SUPABASE_SERVICE_ROLE_KEY: 'k' })).toBe('supabase');
    expect(pick({})).toBe('pglite');
    expect(pick({ DATABASE_URL: '  ' })).toBe('pglite');
    expect(chooseStoreKind({ kind: 'pglite', databaseUrl: 'postgres://u@h/db' }).kind).toBe('pglite');
  });

  it('SUPABASE_URL without the service role key is a clear error', async () => {
    await expect(createStore(storeConfigFromEnv({ SUPABASE_URL: 'https://x.supabase.co' }))).rejects.toThrow(
      /SUPABASE_SERVICE_ROLE_KEY is missing: copy the service_role key/,
    );
  });

  it('the embedded database is created and migrated in a new folder on first use', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'va-pglite-')), 'nested', 'pglite');
    const store = await createStore(storeConfigFromEnv({ PGLITE_DATA_DIR: dir }));
    try {
      expect(store.kind).toBe('pglite');
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
      expect(await store.getSettings()).toEqual(DEFAULT_SETTINGS);
      await store.saveSettings({ ...DEFAULT_SETTINGS, maxContracts: 2 });
      await expect(createStore({ pgliteDataDir: dir })).rejects.toThrow(
        new RegExp(`${dir} is in use by process ${process.pid} \\(this one\\)\\. Fix: .*DATABASE_URL`),
      );
    } finally {
      await store.close();
    }
    const reopened = await createStore({ pgliteDataDir: dir });
    try {
      expect((await reopened.getSettings()).maxContracts).toBe(2);
    } finally {
      await reopened.close();
    }
  });
});

describe('embedded database folder lock', () => {
  it('a lock left by a process that is gone is taken over', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'va-lock-')), 'pglite');
    writeFileSync(`${dir}.lock`, '2147483646');
    const lockFile = lockDataDir(dir);
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
  });
});
