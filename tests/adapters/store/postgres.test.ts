import { afterAll, expect, it } from 'vitest';
import { createPostgresStore } from '../../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';
import type { Store } from '../../../src/ports/store.ts';
import { storeContract } from './contract.ts';
import { alert } from './fixtures.ts';
import { TestDatabases, withPostgres } from './pg-server.ts';

withPostgres('PostgreSQL server', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  const urls = new WeakMap<Store, string>();
  afterAll(() => databases.dropAll(), 120_000);

  storeContract('PostgreSQL (pg)', {
    multiSession: true,
    async open(): Promise<SqlStore> {
      const url = await databases.createMigrated();
      const store = await createPostgresStore({ connectionString: url });
      urls.set(store, url);
      return store;
    },
    openSibling: (store) => createPostgresStore({ connectionString: urls.get(store)! }),
  });
});

withPostgres('PostgreSQL session loss', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  afterAll(() => databases.dropAll(), 120_000);

  it('a dropped session reports the account locks it held, frees them, and LISTEN resumes', async () => {
    const url = await databases.createMigrated();
    const lost: string[][] = [];
    const store = await createPostgresStore({
      connectionString: url,
      onSessionLost: (locks) => lost.push([...locks]),
    });
    const other = await createPostgresStore({ connectionString: url });
    try {
      expect(await store.acquireAccountLock('ACC-9')).toBe(true);
      expect(await other.acquireAccountLock('ACC-9')).toBe(false);
      const heard: number[] = [];
      await store.subscribeAlerts((id) => heard.push(id));

      const database = new URL(url).pathname.slice(1);
      await other.sql.query(
        "select pg_terminate_backend(l.pid) from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and d.datname = $1",
        [database],
      );
      await expect.poll(() => lost, { timeout: 10_000 }).toEqual([['ACC-9']]);
      expect(await other.acquireAccountLock('ACC-9')).toBe(true);

      let n = 0;
      await expect
        .poll(
          async () => {
            await store.insertAlert(alert(`after-loss-${n++}`));
            return heard.length;
          },
          { timeout: 15_000, interval: 250 },
        )
        .toBeGreaterThan(0);
    } finally {
      await store.close();
      await other.close();
    }
  });
});
