/**
 * The supabase-js adapter against a local HTTP server standing in for PostgREST: every test checks
 * the exact request the adapter sends (method, path, query string, headers, body) and how it maps
 * the reply, including PostgREST errors.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { StoreError } from '../../../src/adapters/store/errors.ts';
import {
  alertToRow,
  positionToRow,
  settingsToRow,
  signalToRow,
  tradeToRow,
} from '../../../src/adapters/store/rows.ts';
import { createSupabaseStore, SupabaseStore } from '../../../src/adapters/store/supabase.ts';
import { DEFAULT_SETTINGS } from '../../../src/domain/settings.ts';
import { alert, position, signal, T0, trade } from './fixtures.ts';

const KEY = 'service-role-key-for-tests';

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

interface Reply {
  readonly status?: number;
  readonly body: unknown;
}

class FakePostgrest {
  readonly requests: SeenRequest[] = [];
  private readonly replies: Reply[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => {
        raw += chunk;
      });
      req.on('end', () => {
        this.requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: raw ? JSON.parse(raw) : undefined,
        });
        const reply = this.replies.shift() ?? { body: [] };
        res.statusCode = reply.status ?? 200;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  reply(...replies: Reply[]): void {
    this.replies.push(...replies);
  }

  /** The only request since the last call. */
  take(): SeenRequest {
    expect(this.requests).toHaveLength(1);
    return this.requests.shift()!;
  }

  reset(): void {
    this.requests.length = 0;
    this.replies.length = 0;
  }
}

/** Headers every request must carry: the service role key as apikey and bearer token. */
function expectAuth(request: SeenRequest): void {
  expect(request.headers.apikey).toBe(KEY);
  expect(request.headers.authorization).toBe(`Bearer ${KEY}`);
}

function expectJsonWrite(request: SeenRequest): void {
  expectAuth(request);
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['content-profile']).toBe('public');
}

/** A row as PostgREST returns it: ISO times with +00:00, numbers as JSON numbers. */
function asPostgrest(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? v.replace('Z', '+00:00') : v;
  return out;
}

describe('Supabase adapter (supabase-js against a local PostgREST stand-in)', () => {
  const api = new FakePostgrest();
  let store: SupabaseStore;

  beforeAll(async () => {
    await api.start();
    api.reply({ body: [{ id: 1 }] });
    store = await createSupabaseStore({ url: api.url, serviceRoleKey: KEY });
    const check = api.take();
    expect(check.method).toBe('GET');
    expect(check.url).toBe('/rest/v1/bot_settings?select=id&limit=1');
    expectAuth(check);
    expect(check.headers['accept-profile']).toBe('public');
  });
  afterEach(() => api.reset());
  afterAll(async () => {
    await store.close();
    await api.stop();
  });

  it('opening a project without the schema says to run supabase db push', async () => {
    api.reply({
      status: 404,
      body: {
        code: 'PGRST205',
        message: "Could not find the table 'public.bot_settings' in the schema cache",
        details: null,
        hint: null,
      },
    });
    await expect(createSupabaseStore({ url: api.url, serviceRoleKey: KEY })).rejects.toThrow(
      /no valuearea schema .*supabase link --project-ref <ref>.*supabase db push/,
    );
  });

  it('insertAlert calls rpc insert_alert with the row and maps the reply', async () => {
    const a = alert('tv-1');
    api.reply({ body: [{ inserted: true, alert_id: 41 }] });
    expect(await store.insertAlert(a)).toEqual({ inserted: true, id: 41 });
    const request = api.take();
    expect([request.method, request.url]).toEqual(['POST', '/rest/v1/rpc/insert_alert']);
    expectJsonWrite(request);
    expect(request.body).toEqual({ p_alert: alertToRow(a) });
    expect(request.body).toMatchObject({ p_alert: { received_at: '2026-03-10T14:30:00.123Z' } });
  });

  it('a duplicate alert comes back as inserted: false with the stored id', async () => {
    api.reply({ body: [{ inserted: false, alert_id: 41 }] });
    expect(await store.insertAlert(alert('tv-1'))).toEqual({ inserted: false, id: 41 });
  });

  it('getAlert selects by id and maps the PostgREST row', async () => {
    const a = alert('tv-2');
    api.reply({
      body: [
        asPostgrest({ ...alertToRow(a), id: 42, symbol: 'ES', created_at: '2026-03-10T14:30:00.2+00:00' }),
      ],
    });
    expect(await store.getAlert(42)).toEqual({ ...a, id: 42 });
    const request = api.take();
    expect([request.method, request.url]).toEqual(['GET', '/rest/v1/alerts?select=*&id=eq.42']);
    expectAuth(request);
  });

  it('setAlertStatus patches by id and asks for the row back to know it existed', async () => {
    api.reply({ body: [{ id: 42 }] });
    await store.setAlertStatus(42, 'processed', 'signal S-42');
    const request = api.take();
    expect([request.method, request.url]).toEqual(['PATCH', '/rest/v1/alerts?id=eq.42&select=id']);
    expectJsonWrite(request);
    expect(request.headers.prefer).toBe('return=representation');
    expect(request.body).toEqual({
      status: 'processed',
      reason: 'signal S-42',
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    api.reply({ body: [] });
    await expect(store.setAlertStatus(43, 'processed', null)).rejects.toThrow(/43 is not a stored alert/);
  });

  it('the sweep calls rpc unprocessed_alerts with the page cursor', async () => {
    api.reply({ body: [] });
    expect(await store.unprocessedAlerts(100, 40)).toEqual([]);
    const request = api.take();
    expect([request.method, request.url, request.body]).toEqual([
      'POST',
      '/rest/v1/rpc/unprocessed_alerts',
      { p_limit: 100, p_after_id: 40 },
    ]);
  });

  it('upsertSignal and claimPendingSignals call their SQL functions', async () => {
    const s = signal('S-1', { alertId: 42 });
    api.reply({ body: null });
    await store.upsertSignal(s);
    const upsert = api.take();
    expect([upsert.method, upsert.url, upsert.body]).toEqual([
      'POST',
      '/rest/v1/rpc/upsert_signal',
      { p_signal: signalToRow(s) },
    ]);

    const claimed = {
      ...signalToRow(s),
      execution_status: 'EXECUTING',
      execution_attempts: 1,
      claimed_by: 'engine-a',
    };
    api.reply({ body: [asPostgrest(claimed)] });
    const result = await store.claimPendingSignals('engine-a', T0, 25);
    expect(result).toEqual([{ ...s, status: 'EXECUTING', attempts: 1 }]);
    const claim = api.take();
    expect([claim.method, claim.url, claim.body]).toEqual([
      'POST',
      '/rest/v1/rpc/claim_pending_signals',
      { p_owner: 'engine-a', p_now: '2026-03-10T14:30:00.123Z', p_limit: 25 },
    ]);
    expectJsonWrite(claim);
  });

  it('appendEvents inserts the whole batch in one request', async () => {
    api.reply({ status: 201, body: null });
    await store.appendEvents([
      {
        entityType: 'position',
        entityId: 'P1',
        fromState: null,
        toState: 'pending_entry',
        ts: T0,
        detail: {},
      },
      {
        entityType: 'position',
        entityId: 'P1',
        fromState: 'pending_entry',
        toState: 'active',
        ts: T0 + 1,
        detail: { fill: 5012.25 },
      },
    ]);
    const request = api.take();
    expect(request.method).toBe('POST');
    expect(request.url).toBe(
      '/rest/v1/execution_events?columns=%22entity_type%22%2C%22entity_id%22%2C%22from_state%22%2C%22to_state%22%2C%22ts%22%2C%22detail%22',
    );
    expectJsonWrite(request);
    expect(request.body).toEqual([
      {
        entity_type: 'position',
        entity_id: 'P1',
        from_state: null,
        to_state: 'pending_entry',
        ts: '2026-03-10T14:30:00.123Z',
        detail: {},
      },
      {
        entity_type: 'position',
        entity_id: 'P1',
        from_state: 'pending_entry',
        to_state: 'active',
        ts: '2026-03-10T14:30:00.124Z',
        detail: { fill: 5012.25 },
      },
    ]);
  });

  it('position batches and closes go through rpc, reads through table queries', async () => {
    const p = position('P1', { state: 'active', filledQuantity: 2 });
    api.reply({ body: 1 });
    expect(await store.upsertPositions([p])).toBe(1);
    const batch = api.take();
    expect([batch.url, batch.body]).toEqual([
      '/rest/v1/rpc/upsert_positions',
      { p_positions: [positionToRow(p)] },
    ]);

    const closed = { ...p, state: 'closed' as const, closedAt: T0 + 9, updatedAt: T0 + 9 };
    api.reply({ body: true });
    expect(await store.closePositionWithTrade(closed, trade('P1'))).toBe(true);
    const close = api.take();
    expect([close.url, close.body]).toEqual([
      '/rest/v1/rpc/close_position_with_trade',
      { p_position: positionToRow(closed, 'closePositionWithTrade'), p_trade: tradeToRow(trade('P1')) },
    ]);

    api.reply({ body: [asPostgrest(positionToRow(p))] });
    expect(await store.openPositions('ACC-1')).toEqual([p]);
    const open = api.take();
    expect([open.method, open.url]).toEqual([
      'GET',
      '/rest/v1/positions?select=*&state=not.in.%28closed%2Ccancelled%29&account_id=eq.ACC-1&order=opened_at.asc%2Cid.asc',
    ]);

    api.reply({ body: [] });
    await store.recentTrades(20);
    expect(api.take().url).toBe('/rest/v1/trades_log?select=*&order=exit_time.desc%2Cid.desc&limit=20');
  });

  it('settings are read by id and saved as an upsert that merges duplicates', async () => {
    api.reply({ body: [] });
    expect(await store.getSettings()).toEqual(DEFAULT_SETTINGS);
    expect(api.take().url).toBe('/rest/v1/bot_settings?select=*&id=eq.1');

    api.reply({ status: 201, body: null });
    await store.saveSettings({ ...DEFAULT_SETTINGS, maxContracts: 2 });
    const request = api.take();
    expect([request.method, request.url]).toEqual(['POST', '/rest/v1/bot_settings?on_conflict=id']);
    expect(request.headers.prefer).toBe('resolution=merge-duplicates');
    expect(request.body).toEqual({
      ...settingsToRow({ ...DEFAULT_SETTINGS, maxContracts: 2 }),
      updated_at: expect.any(String),
    });
  });

  it('a PostgREST constraint error becomes a StoreError naming the rule, without echoing the row', async () => {
    api.reply({
      status: 400,
      body: {
        code: '23514',
        message: 'new row for relation "positions" violates check constraint "positions_quantity_positive"',
        details: 'Failing row contains (P1, secret-looking-payload)',
        hint: null,
      },
    });
    const failure = store.upsertPositions([position('P1')]);
    await expect(failure).rejects.toBeInstanceOf(StoreError);
    const error = (await failure.catch((e: StoreError) => e)) as StoreError;
    expect(error.message).toMatch(
      /upsertPositions failed: .*positions_quantity_positive.*fix: change the value so that rule/,
    );
    expect(error.message).not.toMatch(/secret-looking-payload/);
    expect(error.message).not.toContain(KEY);
    expect(error.retryable).toBe(false);
  });

  it('an unreachable server is a retryable error that does not reveal the key', async () => {
    const closed = new FakePostgrest();
    await closed.start();
    await closed.stop(); // a port that was just free: connection refused
    const offline = new SupabaseStore({ url: closed.url, serviceRoleKey: KEY });
    const error = (await offline
      .claimPendingSignals('engine-a', T0, 1)
      .catch((e: StoreError) => e)) as StoreError;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^claimPendingSignals failed: .*fetch failed/);
    expect(error.message).not.toContain(KEY);
    await offline.close();
  });

  it('account ownership is a lease taken, renewed and released through rpc', async () => {
    const lost: string[] = [];
    const leased = new SupabaseStore({
      url: api.url,
      serviceRoleKey: KEY,
      leaseTtlMs: 3_000,
      onLeaseLost: (a, r) => lost.push(`${a}: ${r}`),
    });
    api.reply({ body: true });
    expect(await leased.acquireAccountLock('ACC-1')).toBe(true);
    const take = api.take();
    expect([take.method, take.url]).toEqual(['POST', '/rest/v1/rpc/acquire_account_lease']);
    expect(take.body).toEqual({
      p_account: 'ACC-1',
      p_owner: expect.stringMatching(/^engine-[0-9a-f-]{36}$/),
      p_ttl_ms: 3_000,
    });
    const owner = (take.body as { p_owner: string }).p_owner;
    expect(await leased.acquireAccountLock('ACC-1')).toBe(true); // held: no second request
    expect(api.requests).toEqual([]);

    api.reply({ body: false }); // the renewal finds another owner
    await expect.poll(() => lost, { timeout: 5_000 }).toEqual(['ACC-1: another process took the lease']);
    expect(api.take().body).toEqual({ p_account: 'ACC-1', p_owner: owner, p_ttl_ms: 3_000 });

    api.reply({ body: true }, { body: null });
    expect(await leased.acquireAccountLock('ACC-1')).toBe(true);
    api.take();
    await leased.releaseAccountLock('ACC-1');
    const release = api.take();
    expect([release.url, release.body]).toEqual([
      '/rest/v1/rpc/release_account_lease',
      { p_account: 'ACC-1', p_owner: owner },
    ]);
    await leased.close();
  });

  it('a lease held by another process is refused', async () => {
    api.reply({ body: false });
    expect(await store.acquireAccountLock('ACC-2')).toBe(false);
  });
});

describe('Supabase adapter: new alerts through a Realtime channel', () => {
  it('joins postgres_changes INSERT on public.alerts, passes on inserted ids, and leaves on stop', async () => {
    const server = createServer((_req, res) => res.end('[]'));
    const sockets = new WebSocketServer({ server });
    const connections: string[] = [];
    const frames: unknown[][] = [];
    sockets.on('connection', (socket, req) => {
      connections.push(req.url ?? '');
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as unknown[];
        frames.push(frame);
        const [joinRef, ref, topic, event, payload] = frame as [
          string,
          string,
          string,
          string,
          { config: { postgres_changes: object[] } },
        ];
        if (event !== 'phx_join') return;
        const changes = payload.config.postgres_changes.map((c, i) => ({ ...c, id: 100 + i }));
        socket.send(
          JSON.stringify([
            joinRef,
            ref,
            topic,
            'phx_reply',
            { status: 'ok', response: { postgres_changes: changes } },
          ]),
        );
        const insert = (id: number) => ({
          ids: [100],
          data: {
            type: 'INSERT',
            schema: 'public',
            table: 'alerts',
            commit_timestamp: '2026-03-10T14:30:00Z',
            record: { id },
            columns: [],
            errors: null,
          },
        });
        socket.send(JSON.stringify([null, null, topic, 'postgres_changes', insert(77)]));
        socket.send(JSON.stringify([null, null, topic, 'postgres_changes', insert(78)]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = new SupabaseStore({ url, serviceRoleKey: KEY });
    try {
      const heard: number[] = [];
      const stop = await store.subscribeAlerts((id) => heard.push(id));
      await expect.poll(() => heard, { timeout: 5_000 }).toEqual([77, 78]);
      expect(connections).toEqual([`/realtime/v1/websocket?apikey=${KEY}&vsn=2.0.0`]);
      expect(frames[0]?.slice(2, 4)).toEqual(['realtime:valuearea-alerts', 'phx_join']);
      expect(frames[0]?.[4]).toMatchObject({
        config: { postgres_changes: [{ event: 'INSERT', schema: 'public', table: 'alerts' }] },
      });
      await stop();
      await expect.poll(() => frames.map((f) => f[3]), { timeout: 5_000 }).toContain('phx_leave');
    } finally {
      await store.close();
      sockets.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
