/**
 * Direct PostgreSQL storage for the relay (SUPABASE_DB_URL): node-postgres through Deno's npm
 * support. One small pool per isolate, reused across requests; `insert_alert(jsonb)` is the same
 * SQL function every store adapter calls, so the unique key and the NOTIFY trigger apply alike.
 */
import pg from 'npm:pg@8';
import type { AlertInbox, AlertRow } from './relay.ts';

export function createPostgresInbox(databaseUrl: string): AlertInbox & { close(): Promise<void> } {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: 3,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 20_000,
  });
  // An idle connection dropped by the server must not crash the isolate; the next query reports it.
  pool.on('error', () => {});
  return {
    async insertAlert(row: AlertRow) {
      try {
        const result = await pool.query<{ inserted: boolean; alert_id: string | number }>(
          'select inserted, alert_id from insert_alert($1::jsonb)',
          [JSON.stringify(row)],
        );
        const first = result.rows[0];
        if (!first) throw new Error('insert_alert returned no row');
        return { inserted: Boolean(first.inserted), id: Number(first.alert_id) };
      } catch (err) {
        throw new Error(
          `PostgreSQL: ${withoutPassword(err instanceof Error ? err.message : String(err), databaseUrl)}`,
        );
      }
    },
    close: () => pool.end(),
  };
}

function withoutPassword(message: string, databaseUrl: string): string {
  const password = /\/\/[^:/@]+:([^@]*)@/.exec(databaseUrl)?.[1];
  return password ? message.split(password).join('***') : message;
}
