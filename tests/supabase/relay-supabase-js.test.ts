/**
 * The relay in real Deno on its default storage, supabase-js with the service role key, against a
 * local stand-in for PostgREST. The stand-in checks what supabase-js sends (`POST
 * /rest/v1/rpc/insert_alert`, the key as apikey and bearer token) and runs the call on a real
 * migrated PostgreSQL database, so the row the relay builds must satisfy the SQL function.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../src/adapters/store/sql-store.ts';
import { TestDatabases } from '../adapters/store/pg-server.ts';
import { alertJson, post, SECRET, webhookUrl } from './alerts.ts';
import {
  DENO_MISSING,
  describeWhen,
  POSTGRES_MISSING,
  type RunningRelay,
  startRelay,
  TEST_DATABASE_URL,
} from './deno.ts';

const SERVICE_KEY = 'service-role-key-for-edge-tests';

interface SeenCall {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: { p_alert?: Record<string, unknown> } | undefined;
}

type Mode = 'database' | 'error' | 'hang';

describeWhen('tradingview-webhook in Deno, supabase-js storage', DENO_MISSING ?? POSTGRES_MISSING, () => {
  const databases = new TestDatabases(TEST_DATABASE_URL ?? '');
  const calls: SeenCall[] = [];
  let mode: Mode = 'database';
  let store: SqlStore;
  let api: Server;
  let relay: RunningRelay;
  let url: string;

  beforeAll(async () => {
    store = await createPostgresStore({ connectionString: await databases.createMigrated(), migrate: false });
    api = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        const call: SeenCall = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: raw ? (JSON.parse(raw) as SeenCall['body']) : undefined,
        };
        calls.push(call);
        if (mode === 'hang') return; // never answers: the relay's deadline must
        res.setHeader('content-type', 'application/json; charset=utf-8');
        if (mode === 'error' || call.url !== '/rest/v1/rpc/insert_alert') {
          res.statusCode = 500;
          res.end(JSON.stringify({ code: 'XX000', message: 'stand-in failure', details: null, hint: null }));
          return;
        }
        store.sql
          .query('select inserted, alert_id from insert_alert($1::jsonb)', [
            JSON.stringify(call.body?.p_alert),
          ])
          .then((rows) => {
            res.end(JSON.stringify(rows));
          })
          .catch((error: unknown) => {
            res.statusCode = 400;
            res.end(JSON.stringify({ code: '22023', message: String(error), details: null, hint: null }));
          });
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
    relay = await startRelay({
      WEBHOOK_SECRET: SECRET,
      SUPABASE_URL: apiUrl,
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_KEY,
      WEBHOOK_STORE_TIMEOUT_MS: '1000',
    });
    url = webhookUrl(relay.url);
  });
  beforeEach(() => {
    calls.length = 0;
    mode = 'database';
  });
  afterAll(async () => {
    await relay?.stop();
    api?.closeAllConnections();
    await new Promise((resolve) => api?.close(resolve));
    await store?.close();
    await databases.dropAll();
  });

  it('chooses supabase-js when SUPABASE_URL and the service role key are set', () => {
    expect(relay.lines.join('\n')).toContain('"msg":"relay ready","storage":"supabase-js"');
  });

  it('inserts through rpc insert_alert with the service role key, once per idempotency key', async () => {
    const body = alertJson({ symbol: 'MNQ1!', quantity: 2 });
    const first = await post(url, body);
    expect(first.body.status).toBe('accepted');
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/rest/v1/rpc/insert_alert');
    expect(call.headers.apikey).toBe(SERVICE_KEY);
    expect(call.headers.authorization).toBe(`Bearer ${SERVICE_KEY}`);
    expect(call.body?.p_alert).toMatchObject({
      idempotency_key: first.body.key,
      status: 'received',
      parsed: { symbol: 'MNQ', action: 'buy', quantity: 2 },
    });

    expect((await post(url, body)).body).toEqual({ status: 'duplicate', key: first.body.key });
    const rows = await store.sql.query('select count(*)::int as n from alerts where idempotency_key = $1', [
      first.body.key,
    ]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('records a rejection through the same call', async () => {
    const posted = await post(url, alertJson({ action: 'hold' }));
    expect(posted.status).toBe(422);
    expect(posted.body.field).toBe('action');
    expect(calls[0]?.body?.p_alert).toMatchObject({ status: 'rejected', parsed: null });
  });

  it('answers 503 when PostgREST reports an error, and says where to look', async () => {
    mode = 'error';
    const posted = await post(url, alertJson({ key: 'edge-db-error' }));
    expect(posted.status).toBe(503);
    expect(String(posted.body.error)).toContain('could not be stored');
    expect(relay.lines.join('\n')).toContain('stand-in failure');
  });

  it('answers 503 at its deadline when the database does not answer (TradingView waits 3 s)', async () => {
    mode = 'hang';
    const posted = await post(url, alertJson({ key: 'edge-db-hang' }));
    expect(posted.status).toBe(503);
    expect(relay.lines.join('\n')).toContain('did not answer within 1000 ms');
  });

  it('never puts the service key or the secret in its log', () => {
    const text = relay.lines.join('\n');
    expect(text).not.toContain(SERVICE_KEY);
    expect(text).not.toContain(SECRET);
  });
});
