/**
 * SQL-level guarantees of the migrations on PGlite and, when TEST_DATABASE_URL is set, on a real
 * server: idempotent runs, append-only tables, seed, row-level security and the realtime publication.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, runMigrations } from '../../../src/adapters/store/migrations.ts';
import { createPostgresStore } from '../../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../../src/adapters/store/sql-store.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import { position, trade } from './fixtures.ts';
import { TestDatabases, withPostgres } from './pg-server.ts';
import { freshPgliteStore } from './pglite-template.ts';

function sharedSchemaChecks(open: () => Promise<SqlStore>): void {
  let store: SqlStore;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(() => store.close());

  it('a second migration run applies nothing', async () => {
    expect(await runMigrations(store.sql)).toEqual([]);
    const applied = await store.sql.query('select version from schema_migrations order by version');
    expect(applied.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
  });

  it('the seed row equals DEFAULT_SETTINGS', async () => {
    expect(await store.sql.query('select count(*)::int as n from bot_settings')).toEqual([{ n: 1 }]);
    expect(await store.getSettings()).toEqual(DEFAULT_SETTINGS);
  });

  it('trade rows cannot be changed or deleted', async () => {
    const p = position('IMM1', { state: 'closed', filledQuantity: 2, closedAt: 1e12, updatedAt: 1e12 });
    await store.closePositionWithTrade(p, trade('IMM1', { entryTime: 1e12 - 10, exitTime: 1e12 }));
    await expect(
      store.sql.query("update trades_log set net_pnl = 0 where position_id = 'IMM1'"),
    ).rejects.toThrow(/trades_log is append-only: update is not allowed/);
    await expect(store.sql.query("delete from trades_log where position_id = 'IMM1'")).rejects.toThrow(
      /trades_log is append-only: delete is not allowed/,
    );
    await expect(store.sql.query('truncate trades_log')).rejects.toThrow(/append-only/);
    expect(
      await store.sql.query("select count(*)::int as n from trades_log where position_id = 'IMM1'"),
    ).toEqual([{ n: 1 }]);
  });

  it('execution events cannot be changed or deleted', async () => {
    await store.appendEvents([
      { entityType: 'signal', entityId: 'E1', fromState: null, toState: 'PENDING', ts: 1e12, detail: {} },
    ]);
    await expect(store.sql.query("update execution_events set to_state = 'X'")).rejects.toThrow(
      /append-only/,
    );
    await expect(store.sql.query('delete from execution_events')).rejects.toThrow(/append-only/);
  });

  it('row-level security is on for every table, with policies, and realtime lists alerts, signals, positions', async () => {
    const tables = await store.sql.query(
      "select c.relname as name, c.relrowsecurity as rls from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r' order by 1",
    );
    expect(tables.length).toBeGreaterThanOrEqual(10);
    expect(tables.filter((t) => t.rls !== true)).toEqual([]);
    const policies = await store.sql.query(
      "select count(*)::int as n from pg_policies where schemaname = 'public'",
    );
    expect(Number(policies[0]?.n)).toBeGreaterThanOrEqual(14);
    const published = await store.sql.query(
      "select tablename from pg_publication_tables where pubname = 'supabase_realtime' order by 1",
    );
    expect(published.map((r) => r.tablename)).toEqual(['alerts', 'positions', 'signals']);
  });

  it('a failing migration is rolled back with a message naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-mig-'));
    writeFileSync(
      join(dir, '29990101000000_broken.sql'),
      'create table half_done (id int); select no_such_function();',
    );
    await expect(runMigrations(store.sql, loadMigrations(`${dir}/`))).rejects.toThrow(
      /Migration 29990101000000_broken\.sql failed and was rolled back: .*no_such_function/,
    );
    expect(await store.sql.query("select to_regclass('half_done') as t")).toEqual([{ t: null }]);
  });

  it('a misnamed migration file is refused with the expected pattern', () => {
    const dir = mkdtempSync(join(tmpdir(), 'va-mig-'));
    writeFileSync(join(dir, '1_init.sql'), 'select 1');
    expect(() => loadMigrations(`${dir}/`)).toThrow(/1_init\.sql is misnamed: use YYYYMMDDHHMMSS_name\.sql/);
  });
}

describe('schema on PGlite', () => {
  sharedSchemaChecks(freshPgliteStore);
});

withPostgres('schema on a PostgreSQL server', (serverUrl) => {
  const databases = new TestDatabases(serverUrl);
  afterAll(() => databases.dropAll(), 120_000);

  describe('shared checks', () => {
    sharedSchemaChecks(() => databases.freshStore());
  });

  it('two processes migrating an empty database at once apply each migration once', async () => {
    const url = await databases.createEmpty();
    const [a, b] = await Promise.all([
      createPostgresStore({ connectionString: url }),
      createPostgresStore({ connectionString: url }),
    ]);
    const rows = await a.sql.query('select version from schema_migrations order by version');
    expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    await a.close();
    await b.close();
  });

  describe('row-level security as the anon role', () => {
    let store: SqlStore;
    let anon: pg.Client;
    beforeAll(async () => {
      const url = await databases.createMigrated();
      store = await createPostgresStore({ connectionString: url });
      await store.upsertPositions([position('RLS1')]);
      anon = new pg.Client({ connectionString: url });
      await anon.connect();
      await anon.query('set role anon');
    });
    afterAll(async () => {
      await anon.end();
      await store.close();
    });

    it('reads the dashboard tables', async () => {
      expect((await anon.query('select id from positions')).rows).toEqual([{ id: 'RLS1' }]);
      await anon.query('select * from trades_log');
      await anon.query('select * from signals');
      await anon.query('select * from backtests');
      await anon.query('select id, symbol, status from alerts');
    });

    it.each([
      'bot_settings',
      'guard_state',
      'execution_events',
      'orders',
      'schema_migrations',
      'account_leases',
    ])('cannot read the private table %s', async (table) => {
      await expect(anon.query(`select * from ${table}`)).rejects.toThrow(/permission denied/);
    });

    it('cannot read the raw alert body or the source address', async () => {
      await expect(anon.query('select raw_body from alerts')).rejects.toThrow(/permission denied/);
      await expect(anon.query('select source_address from alerts')).rejects.toThrow(/permission denied/);
    });

    it.each([
      "insert into positions (id) values ('x')",
      "update positions set state = 'closed'",
      'delete from positions',
      "insert into alerts (idempotency_key, received_at, content_type, raw_body) values ('k', now(), 't', 'b')",
      "update signals set execution_status = 'FAILED'",
      "insert into trades_log (position_id) values ('RLS1')",
      'insert into bot_settings (id) values (2)',
      "select * from claim_pending_signals('anon', now(), 10)",
      `select insert_alert('{"idempotency_key":"k","content_type":"t","raw_body":"b"}'::jsonb)`,
    ])('cannot write: %s', async (statement) => {
      await expect(anon.query(statement)).rejects.toThrow(/permission denied/);
      expect((await store.getPosition('RLS1'))?.state).toBe('pending_entry');
    });

    it('service_role has full access through the policies', async () => {
      const client = new pg.Client({
        connectionString: (store.sql as unknown as { options: { connectionString: string } }).options
          .connectionString,
      });
      await client.connect();
      try {
        await client.query('set role service_role');
        await client.query("update positions set llm_reasoning = 'ok' where id = 'RLS1'");
        expect((await client.query("select llm_reasoning from positions where id = 'RLS1'")).rows).toEqual([
          { llm_reasoning: 'ok' },
        ]);
      } finally {
        await client.end();
      }
    });
  });
});
