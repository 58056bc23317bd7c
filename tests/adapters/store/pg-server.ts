/**
 * Throwaway databases on the PostgreSQL server named by TEST_DATABASE_URL (`.ci/run` starts one).
 * Each test file gets a migrated template database; every fresh store is a copy of it
 * (CREATE DATABASE … TEMPLATE), so parallel files never collide. Everything is dropped afterwards.
 */

import pg from 'pg';
import { describe, it } from 'vitest';
import { createPostgresStore } from '../../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
const NEED =
  'set TEST_DATABASE_URL=postgres://user@host:port/db (a PostgreSQL 15 server; .ci/run starts one)';

/**
 * Registers `body` when the server is configured. Without it: skipped with a message, or a failing
 * test when CI=true (CI must not silently skip the server run).
 */
export function withPostgres(title: string, body: (url: string) => void): void {
  if (TEST_DATABASE_URL) {
    describe(title, () => body(TEST_DATABASE_URL));
    return;
  }
  if (process.env.CI === 'true') {
    it(`${title}: needs TEST_DATABASE_URL`, () => {
      throw new Error(`CI=true but TEST_DATABASE_URL is not set: ${NEED}`);
    });
    return;
  }
  console.warn(`[store] skipping "${title}": ${NEED}`);
  describe.skipIf(true)(`${title} (needs TEST_DATABASE_URL)`, () => {
    it('needs a PostgreSQL server', () => {});
  });
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(serverUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let sequence = 0;
function newName(kind: string): string {
  sequence += 1;
  return `va_${kind}_${process.pid}_${Date.now().toString(36)}_${sequence}`;
}

export class TestDatabases {
  private template: string | null = null;
  private readonly created: string[] = [];

  constructor(private readonly serverUrl: string) {}

  /** An empty database, not migrated. */
  async createEmpty(): Promise<string> {
    const name = newName('test');
    await admin(this.serverUrl, (c) => c.query(`create database ${name}`));
    this.created.push(name);
    return databaseUrl(this.serverUrl, name);
  }

  /** A migrated database copied from this file's template. */
  async createMigrated(): Promise<string> {
    if (!this.template) {
      const name = newName('tpl');
      await admin(this.serverUrl, (c) => c.query(`create database ${name}`));
      this.created.push(name);
      const store = await createPostgresStore({ connectionString: databaseUrl(this.serverUrl, name) });
      await store.close();
      this.template = name;
    }
    const name = newName('test');
    await admin(this.serverUrl, (c) => c.query(`create database ${name} template ${this.template}`));
    this.created.push(name);
    return databaseUrl(this.serverUrl, name);
  }

  async freshStore(): Promise<SqlStore> {
    return createPostgresStore({ connectionString: await this.createMigrated() });
  }

  async dropAll(): Promise<void> {
    const names = this.created.splice(0).reverse();
    await admin(this.serverUrl, async (c) => {
      for (const name of names) await c.query(`drop database if exists ${name} with (force)`);
    });
  }
}
