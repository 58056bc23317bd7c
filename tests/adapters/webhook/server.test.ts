/** The Fastify receiver over real HTTP on loopback: store first, acknowledge, then hand over. */
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpServer,
  listenHttpServer,
  registerWebhookRoutes,
  type WebhookDeps,
} from '../../../src/adapters/webhook/server.ts';
import type { StoredAlert } from '../../../src/ports/store.ts';
import { FakeInbox, fixture, RECEIVED_AT } from '../../intake/helpers.ts';

const SECRET = 'wh-Zq81-7c4f0e9a';
const BODY = JSON.stringify({
  symbol: 'ES1!',
  action: 'buy',
  time: '2025-06-10T14:30:00Z',
  passphrase: SECRET,
});

interface Harness {
  url: string;
  inbox: FakeInbox;
  accepted: StoredAlert[];
  logs: string[];
  app: FastifyInstance;
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function start(overrides: Partial<WebhookDeps> = {}): Promise<Harness> {
  const logs: string[] = [];
  const app = createHttpServer({ logger: { level: 'info', stream: { write: (line) => logs.push(line) } } });
  apps.push(app);
  const inbox = new FakeInbox();
  const accepted: StoredAlert[] = [];
  registerWebhookRoutes(app, {
    inbox,
    onAccepted: (a) => {
      accepted.push(a);
    },
    intake: { secrets: [SECRET] },
    rateLimit: false,
    now: () => RECEIVED_AT,
    ...overrides,
  });
  app.post('/api/echo', async (req) => ({ echoed: req.body }));
  const url = await listenHttpServer(app);
  return { url, inbox, accepted, logs, app };
}

async function post(
  url: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url, { method: 'POST', body, headers });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('webhook receiver', () => {
  it('listens on 127.0.0.1 by default', async () => {
    const h = await start();
    expect(h.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores, acknowledges with the key, then hands the stored alert to onAccepted', async () => {
    const h = await start();
    const r = await post(`${h.url}/webhook/tradingview`, BODY, { 'content-type': 'application/json' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ status: 'accepted', key: expect.stringMatching(/^a_[0-9a-f]{24}$/) });
    expect(h.inbox.rows).toHaveLength(1);
    const row = h.inbox.rows[0]!;
    expect(row).toMatchObject({
      idempotencyKey: r.json['key'],
      status: 'received',
      contentType: 'application/json',
      sourceAddress: '127.0.0.1',
    });
    expect(row.parsed).toMatchObject({ symbol: 'ES', action: 'buy' });
    expect(row.rawBody).not.toContain(SECRET);
    await settle();
    expect(h.accepted).toEqual([{ ...row }]);
  });

  it('parses JSON sent as text/plain, and bodies with no content type at all', async () => {
    const h = await start();
    expect(
      (await post(`${h.url}/webhook/tradingview`, BODY, { 'content-type': 'text/plain; charset=utf-8' }))
        .json['status'],
    ).toBe('accepted');
    const other = BODY.replace('14:30:00', '14:29:59');
    expect((await post(`${h.url}/webhook/tradingview`, new TextEncoder().encode(other))).json['status']).toBe(
      'accepted',
    );
  });

  it('records a repeat as a duplicate and does not hand it over again', async () => {
    const h = await start();
    const first = await post(`${h.url}/webhook/tradingview`, BODY);
    const second = await post(`${h.url}/webhook/tradingview`, BODY);
    expect(second).toEqual({ status: 200, json: { status: 'duplicate', key: first.json['key'] } });
    await settle();
    expect(h.inbox.rows).toHaveLength(1);
    expect(h.accepted).toHaveLength(1);
  });

  it('answers 413 for a body over 64 KB, recording it (without the body) only for a proven sender', async () => {
    const h = await start();
    const stranger = await post(`${h.url}/webhook/tradingview`, 'x'.repeat(70_000), {
      'content-type': 'text/plain',
    });
    expect(stranger.status).toBe(413);
    expect(h.inbox.rows).toHaveLength(0); // not proven by the URL secret: nothing written
    const r = await post(`${h.url}/webhook/tradingview/${SECRET}`, 'x'.repeat(70_000), {
      'content-type': 'text/plain',
    });
    expect(r.status).toBe(413);
    expect(r.json['error']).toMatch(/larger than 65536 bytes — shorten/);
    expect(h.inbox.rows).toEqual([
      expect.objectContaining({ status: 'rejected', rawBody: '', reason: expect.stringMatching(/^413: /) }),
    ]);
  });

  it('answers 401 / 403 for a missing or wrong secret, stores nothing and never logs the secret', async () => {
    const h = await start();
    const missing = await post(`${h.url}/webhook/tradingview`, BODY.replace(`,"passphrase":"${SECRET}"`, ''));
    expect(missing.status).toBe(401);
    const wrong = await post(`${h.url}/webhook/tradingview/not-the-secret-123`, BODY);
    expect(wrong.status).toBe(403);
    expect(h.inbox.rows).toHaveLength(0);
    await post(`${h.url}/webhook/tradingview/${SECRET}`, BODY.replace(`,"passphrase":"${SECRET}"`, ''));
    const logText = h.logs.join('');
    expect(logText).toContain('webhook authentication failed');
    expect(logText).not.toContain(SECRET);
    expect(logText).not.toContain('not-the-secret-123');
    expect(logText).toContain('/webhook/tradingview/[redacted]');
  });

  it('accepts the secret in the URL path or the query string, redacted from access logs', async () => {
    const h = await start();
    const noSecret = BODY.replace(`,"passphrase":"${SECRET}"`, '');
    expect((await post(`${h.url}/webhook/tradingview/${SECRET}`, noSecret)).json['status']).toBe('accepted');
    expect((await post(`${h.url}/webhook/tradingview?token=${SECRET}`, noSecret)).json['status']).toBe(
      'duplicate',
    );
    expect(h.logs.join('')).not.toContain(SECRET);
    expect(h.logs.join('')).toContain('token=[redacted]');
  });

  it('stores a malformed alert as rejected and answers with the reason and field', async () => {
    const h = await start();
    const r = await post(
      `${h.url}/webhook/tradingview/${SECRET}`,
      JSON.stringify({ symbol: 'DOGEUSDT', action: 'buy', time: '2025-06-10T14:30:00Z' }),
    );
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ field: 'symbol', key: expect.stringMatching(/^r_/) });
    expect(r.json['error']).toMatch(/DOGEUSDT/);
    expect(h.inbox.rows[0]).toMatchObject({
      status: 'rejected',
      parsed: null,
      reason: expect.stringMatching(/^422: unsupported ticker/),
    });
    const template = await post(`${h.url}/webhook/tradingview/${SECRET}`, fixture('template-jadnq.txt'));
    expect(template.status).toBe(422);
    await settle();
    expect(h.accepted).toHaveLength(0);
  });

  it('stores a stale alert as ignored with the reason, and does not hand it over', async () => {
    const h = await start({ intake: { secrets: [SECRET], maxLagMs: 1_000 } });
    const r = await post(`${h.url}/webhook/tradingview`, BODY);
    expect(r.json).toMatchObject({
      status: 'ignored',
      reason: 'ignored: stale — fired 2s before it arrived, maximum lag 1s',
    });
    expect(h.inbox.rows[0]).toMatchObject({
      status: 'ignored',
      reason: expect.stringMatching(/^ignored: stale/),
    });
    await settle();
    expect(h.accepted).toHaveLength(0);
  });

  it('answers 503 when the alert cannot be stored, so nothing is processed unrecorded', async () => {
    const h = await start();
    h.inbox.failNext = true;
    const r = await post(`${h.url}/webhook/tradingview`, BODY);
    expect(r.status).toBe(503);
    await settle();
    expect(h.accepted).toHaveLength(0);
  });

  it('acknowledges before processing: a processor that never finishes does not hold the reply', async () => {
    const h = await start({ onAccepted: () => new Promise<void>(() => {}) });
    const r = await post(`${h.url}/webhook/tradingview`, BODY);
    expect(r.json['status']).toBe('accepted');
  });

  it('rate-limits per source, and a wrong secret costs extra', async () => {
    const h = await start({ rateLimit: { capacity: 3, refillPerSecond: 0.001, authFailureCost: 10 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(`${h.url}/webhook/tradingview`, BODY)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);

    const g = await start({ rateLimit: { capacity: 5, refillPerSecond: 0.001, authFailureCost: 10 } });
    expect((await post(`${g.url}/webhook/tradingview/wrong-secret-xx`, BODY)).status).toBe(403);
    const after = await post(`${g.url}/webhook/tradingview`, BODY);
    expect(after.status).toBe(429);
    expect(after.json['error']).toMatch(/too many requests/);
  });

  it('enforces the allow-list on the socket address unless a proxy is trusted', async () => {
    const tv = await start({ allowList: true });
    const blocked = await post(`${tv.url}/webhook/tradingview`, BODY, { 'x-forwarded-for': '52.89.214.238' });
    expect(blocked.status).toBe(403);
    expect(blocked.json['error']).toMatch(/not on the allow-list/);

    const proxied = await start({ allowList: true, trustProxy: true });
    const ok = await post(`${proxied.url}/webhook/tradingview`, BODY, {
      'x-forwarded-for': '10.0.0.9, 52.89.214.238',
    });
    expect(ok.status).toBe(200);
    expect(proxied.inbox.rows[0]?.sourceAddress).toBe('52.89.214.238');
    const spoofed = await post(`${proxied.url}/webhook/tradingview`, BODY, {
      'x-forwarded-for': '52.89.214.238, 10.0.0.9',
    });
    expect(spoofed.status).toBe(403);

    const local = await start({ allowList: ['127.0.0.1'] });
    expect((await post(`${local.url}/webhook/tradingview`, BODY)).status).toBe(200);
  });

  it('accepts only POST, and leaves other routes on the instance with normal JSON parsing', async () => {
    const h = await start();
    expect((await fetch(`${h.url}/webhook/tradingview`)).status).toBe(404);
    const echo = await post(`${h.url}/api/echo`, JSON.stringify({ a: 1 }), {
      'content-type': 'application/json',
    });
    expect(echo.json).toEqual({ echoed: { a: 1 } });
  });
});
