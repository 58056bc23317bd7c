/** Throwaway databases on a PostgreSQL server (TEST_DATABASE_URL), created and dropped by a campaign. */
import pg from 'pg';
import { createPostgresStore } from '../../src/adapters/store/postgres.ts';
import type { BotSettings } from '../../src/domain/settings.ts';

export const NEEDS_POSTGRES =
  'needs TEST_DATABASE_URL=postgres://user@host:port/db (a PostgreSQL 15 server; .ci/run starts one)';

export function serverUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

export function databaseUrl(server: string, database: string): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * Alerts of a bot database that never got a decision: no signal while still 'received', or a signal
 * still PENDING/EXECUTING. (The decision is the signal; the alert row's own status is a convenience
 * copy written after it.) Returns "key (alert status / signal status)" for each.
 */
export async function undecidedAlerts(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ key: string; status: string; signal: string | null }>(
      `select a.idempotency_key as key, a.status::text as status, s.execution_status::text as signal
       from alerts a left join signals s on s.alert_id = a.id
       where (s.id is null and a.status = 'received') or s.execution_status in ('PENDING', 'EXECUTING')
       order by a.id`,
    );
    return rows.map((r) => `${r.key} (${r.status} / ${r.signal ?? 'no signal'})`);
  } finally {
    await client.end();
  }
}

async function admin(server: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let sequence = 0;

/** A migrated database with the bot settings patched; returns its URL and a drop function. */
export async function createBotDatabase(
  server: string,
  settings: Partial<BotSettings>,
): Promise<{ url: string; drop: () => Promise<void> }> {
  sequence += 1;
  const name = `va_rel_${process.pid}_${Date.now().toString(36)}_${sequence}`;
  await admin(server, `create database ${name}`);
  const url = databaseUrl(server, name);
  const store = await createPostgresStore({ connectionString: url });
  await store.saveSettings({ ...(await store.getSettings()), ...settings });
  await store.close();
  return { url, drop: () => admin(server, `drop database if exists ${name} with (force)`) };
}

/** Settings that keep every alert tradable at any hour of any day (guards that latch or close are off). */
export const ALWAYS_TRADING: Partial<BotSettings> = {
  cooldownMs: 0,
  flatByTime: '',
  noNewEntriesAfter: '',
  cmeCalendar: false,
  tradingWindowStart: '',
  tradingWindowEnd: '',
  dailyLossLimit: 0,
  // Custom rules without a loss limit and a cap the campaign never reaches: it tests the pipe, not the rules.
  accountRules: 'custom',
  trailingDrawdown: 0,
  maxPosition: 100,
  maxConcurrentTrades: 3,
};
