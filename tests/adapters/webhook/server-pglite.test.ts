/** The receiver against the real PGlite store: accepted, duplicate, ignored and rejected rows as stored. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHttpServer,
  listenHttpServer,
  registerWebhookRoutes,
} from '../../../src/adapters/webhook/server.ts';
import type { Store } from '../../../src/ports/store.ts';
import { RECEIVED_AT } from '../../intake/helpers.ts';
import { openPgliteStore } from './pglite-store.ts';

const SECRET = 'pg-secret-51e0c7';
let store: Store | undefined;
let url = '';
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  store = await openPgliteStore();
  if (!store) return;
  const app = createHttpServer({ logger: false });
  registerWebhookRoutes(app, {
    inbox: store,
    intake: { secrets: [SECRET], maxLagMs: 60_000 },
    rateLimit: false,
    now: () => RECEIVED_AT,
  });
  url = await listenHttpServer(app);
  close = () => app.close();
});

afterAll(async () => {
  await close?.();
  await store?.close();
});

async function post(body: string) {
  const res = await fetch(`${url}/webhook/tradingview/${SECRET}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'text/plain' },
  });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('receiver with the PGlite store', () => {
  it('stores an alert once, answers the repeat as a duplicate, and records rejections and stale alerts', async (ctx) => {
    if (!store) {
      if (process.env['CI'] === 'true')
        throw new Error('the PGlite store adapter (src/adapters/store/pglite.ts) is missing in CI');
      ctx.skip('needs the PGlite store adapter under src/adapters/store');
      return;
    }
    const body = JSON.stringify({
      symbol: 'MNQ1!',
      action: 'sell',
      time: '2025-06-10T14:30:00Z',
      passphrase: SECRET,
    });
    const first = await post(body);
    expect(first).toEqual({ status: 200, json: { status: 'accepted', key: expect.stringMatching(/^a_/) } });
    expect(await post(body)).toEqual({ status: 200, json: { status: 'duplicate', key: first.json['key'] } });

    const stale = await post(JSON.stringify({ symbol: 'ES1!', action: 'buy', time: '2025-06-10T14:00:00Z' }));
    expect(stale.json['status']).toBe('ignored');
    const bad = await post(JSON.stringify({ symbol: 'AMD', action: 'buy', time: '2025-06-10T14:30:00Z' }));
    expect(bad.status).toBe(422);

    const pending = await store.unprocessedAlerts(10);
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({
      idempotencyKey: first.json['key'],
      status: 'received',
      parsed: { symbol: 'MNQ', action: 'sell' },
    });
    expect(pending[0]!.rawBody).not.toContain(SECRET);
  });
});
