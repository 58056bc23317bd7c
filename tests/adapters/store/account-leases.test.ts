/** The lease functions behind the supabase-js adapter's account ownership, run on PGlite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';
import { freshPgliteStore } from './pglite-template.ts';

describe('account leases (SQL)', () => {
  let store: SqlStore;
  const acquire = async (account: string, owner: string, ttl = 60_000) =>
    (await store.sql.query('select acquire_account_lease($1, $2, $3) as ok', [account, owner, ttl]))[0]?.ok;
  beforeAll(async () => {
    store = await freshPgliteStore();
  });
  afterAll(() => store.close());

  it('one owner at a time; the owner renews; release frees it', async () => {
    expect(await acquire('ACC-1', 'engine-a')).toBe(true);
    expect(await acquire('ACC-1', 'engine-b')).toBe(false);
    expect(await acquire('ACC-1', 'engine-a')).toBe(true);
    await store.sql.query('select release_account_lease($1, $2)', ['ACC-1', 'engine-b']); // not the owner: no effect
    expect(await acquire('ACC-1', 'engine-b')).toBe(false);
    await store.sql.query('select release_account_lease($1, $2)', ['ACC-1', 'engine-a']);
    expect(await acquire('ACC-1', 'engine-b')).toBe(true);
  });

  it('an expired lease can be taken over', async () => {
    expect(await acquire('ACC-2', 'engine-a', 1_000)).toBe(true);
    await store.sql.query(
      "update account_leases set expires_at = now() - interval '1 second' where account_id = 'ACC-2'",
    );
    expect(await acquire('ACC-2', 'engine-b')).toBe(true);
  });

  it('refuses a lease shorter than a second', async () => {
    await expect(acquire('ACC-3', 'engine-a', 10)).rejects.toThrow(/ttl must be at least 1000 ms/);
  });
});
