/**
 * The relay in real Deno, storing through a direct PostgreSQL connection (SUPABASE_DB_URL) into a
 * migrated database: what TradingView gets back, and what lands in `alerts`.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPostgresStore } from '../../src/adapters/store/postgres.ts';
import type { SqlStore } from '../../src/adapters/store/sql-store.ts';
import { TestDatabases } from '../adapters/store/pg-server.ts';
import { alertJson, post, SECRET, webhookUrl } from './alerts.ts';
import {
  DENO,
  DENO_MISSING,
  describeWhen,
  POSTGRES_MISSING,
  RELAY_ENTRY,
  REPO_ROOT,
  type RunningRelay,
  startRelay,
  TEST_DATABASE_URL,
} from './deno.ts';

interface AlertRow {
  id: number;
  idempotency_key: string;
  status: string;
  reason: string | null;
  raw_body: string;
  symbol: string | null;
  action: string | null;
}

describeWhen('tradingview-webhook in Deno, direct PostgreSQL', DENO_MISSING ?? POSTGRES_MISSING, () => {
  const databases = new TestDatabases(TEST_DATABASE_URL ?? '');
  let relay: RunningRelay;
  let store: SqlStore;
  let url: string;

  const rows = async (): Promise<AlertRow[]> =>
    (await store.sql.query(
      'select id, idempotency_key, status::text as status, reason, raw_body, symbol, action from alerts order by id',
    )) as unknown as AlertRow[];
  const rowByKey = async (key: unknown): Promise<AlertRow | undefined> =>
    (await rows()).find((r) => r.idempotency_key === key);

  beforeAll(async () => {
    const databaseUrl = await databases.createMigrated();
    store = await createPostgresStore({ connectionString: databaseUrl, migrate: false });
    relay = await startRelay({ WEBHOOK_SECRET: SECRET, SUPABASE_DB_URL: databaseUrl });
    url = webhookUrl(relay.url);
  });
  afterAll(async () => {
    await relay?.stop();
    await store?.close();
    await databases.dropAll();
  });

  it('type-checks under Deno (deno check)', () => {
    const result = spawnSync(DENO ?? 'deno', ['check', RELAY_ENTRY], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(result.stderr + result.stdout).not.toMatch(/error/i);
    expect(result.status).toBe(0);
  });

  it('stores an accepted alert once and answers a repeat as a duplicate', async () => {
    const body = alertJson({ symbol: 'NQ1!', action: 'sell' });
    const first = await post(url, body);
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('accepted');
    expect(String(first.body.key)).toMatch(/^a_[0-9a-f]{24}$/);

    const again = await post(url, body);
    expect(again).toEqual({ status: 200, body: { status: 'duplicate', key: first.body.key } });

    const stored = (await rows()).filter((r) => r.idempotency_key === first.body.key);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ status: 'received', symbol: 'NQ', action: 'sell', reason: null });
  });

  it('takes the secret from the body when the URL has none, and never stores it', async () => {
    const posted = await post(
      `${relay.url}/functions/v1/tradingview-webhook`,
      alertJson({ passphrase: SECRET }),
    );
    expect(posted.body.status).toBe('accepted');
    const row = await rowByKey(posted.body.key);
    expect(row?.raw_body).toContain('"passphrase":"[redacted]"');
    expect(row?.raw_body).not.toContain(SECRET);
  });

  it('records a leftover placeholder as rejected (422) with the field and the fix', async () => {
    const posted = await post(url, alertJson({ symbol: '{{ticker}}' }));
    expect(posted.status).toBe(422);
    expect(String(posted.body.error)).toContain('{{ticker}}');
    const row = await rowByKey(posted.body.key);
    expect(row).toMatchObject({ status: 'rejected' });
    expect(row?.reason).toMatch(/^422: the body still contains \{\{ticker\}\}/);
  });

  it('records an unknown instrument as rejected, naming the field', async () => {
    const posted = await post(url, alertJson({ symbol: 'NOPE1!' }));
    expect(posted.status).toBe(422);
    expect(posted.body.field).toBe('symbol');
    expect((await rowByKey(posted.body.key))?.status).toBe('rejected');
  });

  it('refuses a wrong or missing secret without writing anything', async () => {
    const before = (await rows()).length;
    const wrong = await post(webhookUrl(relay.url, 'not-the-secret'), alertJson());
    expect(wrong.status).toBe(403);
    expect(wrong.body).toEqual({ error: expect.stringContaining('secret does not match') });
    const missing = await post(`${relay.url}/functions/v1/tradingview-webhook`, alertJson());
    expect(missing.status).toBe(401);
    expect((await rows()).length).toBe(before);
    expect(relay.lines.join('\n')).not.toContain('not-the-secret');
  });

  it('stores a stale alert as ignored, not for the bot', async () => {
    const posted = await post(url, alertJson({ time: new Date(Date.now() - 10 * 60_000).toISOString() }));
    expect(posted.status).toBe(200);
    expect(posted.body.status).toBe('ignored');
    expect((await rowByKey(posted.body.key))?.status).toBe('ignored');
  });

  it('refuses an oversized body with 413 and records it only for a sender proven by the URL secret', async () => {
    const big = alertJson({ note: 'x'.repeat(70_000) });
    const before = (await rows()).filter((r) => r.reason?.startsWith('413')).length;

    const proven = await post(url, big);
    expect(proven.status).toBe(413);
    expect(String(proven.body.error)).toContain('65536-byte limit');

    const unproven = await post(`${relay.url}/functions/v1/tradingview-webhook`, big);
    expect(unproven.status).toBe(413);

    const recorded = (await rows()).filter((r) => r.reason?.startsWith('413'));
    expect(recorded.length).toBe(before + 1);
    expect(recorded.at(-1)).toMatchObject({ status: 'rejected', raw_body: '' });
  });

  it('cuts off a streamed body without a length once it passes the cap', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16_384));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 6) controller.close();
        else {
          sent += 1;
          controller.enqueue(chunk);
        }
      },
    });
    const response = await fetch(url, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toContain(
      'larger than the 65536-byte limit',
    );
  });

  it('answers a GET with 405 and the hint to use POST', async () => {
    const response = await fetch(url);
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: string }).error).toContain('POST');
  });

  it('logs one JSON line per outcome and never the secret', () => {
    const text = relay.lines.join('\n');
    expect(text).toContain('"msg":"alert accepted"');
    expect(text).toContain('"msg":"alert rejected"');
    expect(text).not.toContain(SECRET);
  });
});
