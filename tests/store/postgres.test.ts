import { afterAll } from 'vitest';
import { createPostgresStore } from '../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../src/adapters/store/sql-store.ts';
import type { Store } from '../../src/ports/store.ts';
import { storeContract } from './contract.ts';
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
