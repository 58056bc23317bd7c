/**
 * The relay's handler in Node (it is runtime-neutral), with an in-memory inbox: routes, methods,
 * the body cap, who may write, configuration errors, and a property: whatever arrives, the answer
 * is one of the documented statuses and an unauthenticated sender never writes.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlertInbox,
  type AlertRow,
  createRelay,
  routeOf,
} from '../../supabase/functions/tradingview-webhook/relay.ts';

const SECRET = 'unit-secret-9d1e';
const NOW = Date.parse('2026-03-10T15:00:00Z');
const BASE = 'http://relay.test/functions/v1/tradingview-webhook';

class MemoryInbox implements AlertInbox {
  readonly rows: AlertRow[] = [];
  failWith: Error | undefined;
  hang = false;

  async insertAlert(row: AlertRow): Promise<{ inserted: boolean; id: number }> {
    if (this.hang) return new Promise(() => {});
    if (this.failWith) throw this.failWith;
    const at = this.rows.findIndex((r) => r['idempotency_key'] === row['idempotency_key']);
    if (at >= 0) return { inserted: false, id: at + 1 };
    this.rows.push(row);
    return { inserted: true, id: this.rows.length };
  }
}

function relayWith(inbox: MemoryInbox | undefined, extra: Partial<Parameters<typeof createRelay>[0]> = {}) {
  return createRelay({
    inbox,
    intake: { secrets: [SECRET] },
    now: () => NOW,
    deliveryId: () => 'd1',
    ...extra,
  });
}

const body = (fields: Record<string, unknown> = {}) =>
  JSON.stringify({ symbol: 'ES1!', action: 'buy', time: new Date(NOW - 1_000).toISOString(), ...fields });

const postTo = (url: string, text: string, headers: Record<string, string> = {}) =>
  new Request(url, { method: 'POST', body: text, headers });

async function answer(response: Response): Promise<{ status: number; body: Record<string, unknown> }> {
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('routes', () => {
  it('finds the secret after the function name, on Supabase and in the bot path', () => {
    expect(routeOf('/functions/v1/tradingview-webhook/abc')).toEqual({ ok: true, token: 'abc' });
    expect(routeOf('/tradingview-webhook/a%2Fb')).toEqual({ ok: true, token: 'a/b' });
    expect(routeOf('/tradingview-webhook')).toEqual({ ok: true, token: undefined });
    expect(routeOf('/webhook/tradingview/xyz')).toEqual({ ok: true, token: 'xyz' });
    expect(routeOf('/')).toEqual({ ok: true, token: undefined });
  });

  it('refuses other paths and extra segments with the URL to use', () => {
    const other = routeOf('/somewhere/else');
    expect(other.ok).toBe(false);
    expect(!other.ok && other.error).toContain('/functions/v1/tradingview-webhook/<secret>');
    expect(routeOf('/tradingview-webhook/a/b').ok).toBe(false);
  });
});

describe('the handler', () => {
  it('accepts, then answers the same alert as a duplicate, storing one row', async () => {
    const inbox = new MemoryInbox();
    const relay = relayWith(inbox);
    const first = await answer(await relay(postTo(`${BASE}/${SECRET}`, body())));
    expect(first).toEqual({ status: 200, body: { status: 'accepted', key: expect.stringMatching(/^a_/) } });
    const again = await answer(await relay(postTo(`${BASE}/${SECRET}`, body())));
    expect(again.body).toEqual({ status: 'duplicate', key: first.body.key });
    expect(inbox.rows).toHaveLength(1);
    expect(inbox.rows[0]).toMatchObject({
      idempotency_key: first.body.key,
      received_at: new Date(NOW).toISOString(),
      status: 'received',
      content_type: 'text/plain;charset=UTF-8',
    });
  });

  it('reads the secret from ?token= as the bot receiver does', async () => {
    const inbox = new MemoryInbox();
    const posted = await answer(await relayWith(inbox)(postTo(`${BASE}?token=${SECRET}`, body())));
    expect(posted.body.status).toBe('accepted');
  });

  it('stores the caller from X-Forwarded-For, else the socket address', async () => {
    const inbox = new MemoryInbox();
    const relay = relayWith(inbox);
    await relay(
      postTo(`${BASE}/${SECRET}`, body({ key: 'one' }), { 'x-forwarded-for': '52.89.214.238, 10.0.0.1' }),
    );
    await relay(postTo(`${BASE}/${SECRET}`, body({ key: 'two' })), { remoteAddress: '127.0.0.1' });
    expect(inbox.rows.map((r) => r['source_address'])).toEqual(['52.89.214.238', '127.0.0.1']);
  });

  it('refuses a declared oversize body unread; records it only when the URL secret matches', async () => {
    const inbox = new MemoryInbox();
    const relay = relayWith(inbox);
    const big = 'x'.repeat(70_000);
    const anonymous = await answer(await relay(postTo(BASE, big, { 'content-length': String(big.length) })));
    expect(anonymous.status).toBe(413);
    expect(String(anonymous.body.error)).toContain('70000 bytes, more than the 65536-byte limit');
    const wrong = await relay(postTo(`${BASE}/nope`, big));
    expect(wrong.status).toBe(413);
    expect(inbox.rows).toHaveLength(0);
    const proven = await relay(postTo(`${BASE}/${SECRET}`, big));
    expect(proven.status).toBe(413);
    expect(inbox.rows).toHaveLength(1);
    expect(inbox.rows[0]).toMatchObject({ status: 'rejected', raw_body: '', parsed: null });
    expect(String(inbox.rows[0]?.['reason'])).toMatch(/^413: /);
  });

  it('accepts a body of exactly the cap', async () => {
    const inbox = new MemoryInbox();
    const relay = relayWith(inbox, { intake: { secrets: [SECRET], maxBodyBytes: 200 } });
    const text = body();
    const padded = text.slice(0, -1) + `,"pad":"${'p'.repeat(200 - text.length - 9)}"}`;
    expect(new TextEncoder().encode(padded).length).toBe(200);
    expect((await relay(postTo(`${BASE}/${SECRET}`, padded))).status).toBe(200);
    expect((await relay(postTo(`${BASE}/${SECRET}`, `${padded} `))).status).toBe(413);
  });

  it('records an empty body as rejected only for a sender proven by the URL secret', async () => {
    const inbox = new MemoryInbox();
    const relay = relayWith(inbox);
    const anonymous = await answer(await relay(postTo(BASE, '  ')));
    expect(anonymous.status).toBe(400);
    expect(String(anonymous.body.error)).toContain('the body is empty');
    expect(inbox.rows).toHaveLength(0);
    const proven = await answer(await relay(postTo(`${BASE}/${SECRET}`, '')));
    expect(proven.status).toBe(400);
    expect(inbox.rows).toHaveLength(1);
    expect(inbox.rows[0]).toMatchObject({ idempotency_key: proven.body.key, status: 'rejected' });
  });

  it('refuses a wrong secret without writing, and does not echo it', async () => {
    const inbox = new MemoryInbox();
    const response = await answer(await relayWith(inbox)(postTo(`${BASE}/guess-123`, body())));
    expect(response.status).toBe(403);
    expect(JSON.stringify(response.body)).not.toContain('guess-123');
    expect(inbox.rows).toHaveLength(0);
  });

  it('answers 405 to GET and 404 to other paths', async () => {
    const relay = relayWith(new MemoryInbox());
    expect((await relay(new Request(`${BASE}/${SECRET}`))).status).toBe(405);
    expect((await relay(postTo('http://relay.test/other', body()))).status).toBe(404);
  });

  it('answers 503 with the configuration problem when not configured', async () => {
    const relay = relayWith(undefined, {
      notConfigured: 'the relay is not configured: WEBHOOK_SECRET is not set',
    });
    const response = await answer(await relay(postTo(`${BASE}/${SECRET}`, body())));
    expect(response).toEqual({
      status: 503,
      body: { error: 'the relay is not configured: WEBHOOK_SECRET is not set' },
    });
  });

  it('answers 503 when the store fails or passes its deadline', async () => {
    const inbox = new MemoryInbox();
    const logged: string[] = [];
    const relay = relayWith(inbox, {
      storeTimeoutMs: 20,
      log: (_level, msg, fields) => logged.push(`${msg} ${JSON.stringify(fields)}`),
    });
    inbox.failWith = new Error('connection refused');
    expect((await relay(postTo(`${BASE}/${SECRET}`, body({ key: 'f' })))).status).toBe(503);
    inbox.failWith = undefined;
    inbox.hang = true;
    expect((await relay(postTo(`${BASE}/${SECRET}`, body({ key: 'h' })))).status).toBe(503);
    expect(logged.join('\n')).toContain('connection refused');
    expect(logged.join('\n')).toContain('did not answer within 20 ms');
  });
});

describe('docs/edge.md', () => {
  it('its TradingView messages, as TradingView renders them, are accepted', async () => {
    const doc = readFileSync(new URL('../../docs/edge.md', import.meta.url), 'utf8');
    const messages = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(messages.length).toBeGreaterThanOrEqual(2);
    const values: Record<string, string> = {
      ticker: 'ES1!',
      'strategy.order.action': 'sell',
      timenow: new Date(NOW - 1_000).toISOString(),
      'strategy.order.contracts': '2',
      close: '6335.25',
    };
    for (const message of messages) {
      const rendered = message.replace(
        /\{\{([^}]+)\}\}/g,
        (_, name: string) => values[name] ?? `{{${name}}}`,
      );
      const response = await answer(
        await relayWith(new MemoryInbox())(postTo(`${BASE}/${SECRET}`, rendered)),
      );
      expect({ message, status: response.body.status }).toEqual({ message, status: 'accepted' });
    }
  });
});

describe('whatever arrives', () => {
  const STATUSES = [200, 400, 401, 403, 404, 405, 413, 422];

  it('answers a documented status, and a sender without the secret never writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 })),
        fc.constantFrom('', `/${SECRET}`, '/wrong', `?token=${SECRET}`, '/a/b'),
        fc.constantFrom('GET', 'POST', 'PUT'),
        async (payload, suffix, method) => {
          const inbox = new MemoryInbox();
          const relay = relayWith(inbox);
          const request = new Request(`${BASE}${suffix}`, {
            method,
            ...(method === 'GET' ? {} : { body: payload }),
          });
          const response = await relay(request);
          expect(STATUSES).toContain(response.status);
          await response.json();
          const text = typeof payload === 'string' ? payload : '';
          const authenticated = suffix.includes(SECRET) || text.includes(SECRET);
          if (!authenticated) expect(inbox.rows).toHaveLength(0);
          if (inbox.rows.length > 0) expect(response.status).not.toBe(403);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
