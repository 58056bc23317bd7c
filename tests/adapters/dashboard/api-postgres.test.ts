import { afterAll } from 'vitest';
import { createPostgresStore } from '../../../src/adapters/store/postgres.ts';
import { TestDatabases, withPostgres } from '../store/pg-server.ts';
import { dashboardApiContract } from './api.contract.ts';

withPostgres('dashboard API on the PostgreSQL server', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  afterAll(() => databases.dropAll(), 120_000);
  dashboardApiContract('PostgreSQL (pg)', async () =>
    createPostgresStore({ connectionString: await databases.createMigrated() }),
  );
});
