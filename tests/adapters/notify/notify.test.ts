import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { formatNotification, type NotificationEvent } from '../../../src/adapters/notify/messages.ts';
import { createNotifier, type NotifierConfig, retryAfterMs } from '../../../src/adapters/notify/notifier.ts';
import { SecretRegistry } from '../../../src/domain/secrets.ts';
import { recordingSinkLogger } from '../../../src/ports/logger.ts';

interface Recorded {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** A loopback stand-in for Discord and Telegram: records requests, answers from a script (then 200). */
async function fakeApi(script: Reply[] = []) {
  const requests: Recorded[] = [];
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    requests.push({
      method: request.method ?? '',
      path: request.url ?? '',
      contentType: request.headers['content-type'],
      body: JSON.parse(raw),
    });
    const reply = script.shift() ?? { status: 200, body: '{"ok":true}' };
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(reply.body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(server);
  return { requests, base };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const TOKEN = '123456789:AAHfakeTokenForTests_0123456789';
const WEBHOOK_PATH = '/api/webhooks/111/secret-webhook-token-abc';

const entry: NotificationEvent = {
  kind: 'entry',
  ts: 1,
  positionId: 'pos-1',
  symbol: 'ES',
  side: 'long',
  quantity: 2,
  price: 5000.25,
};

function setup(base: string, overrides: Partial<NotifierConfig> = {}) {
  const logger = recordingSinkLogger();
  const waits: number[] = [];
  const secrets = new SecretRegistry();
  const notifier = createNotifier({
    logger,
    secrets,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
  return { notifier, logger, waits, secrets, base };
}

describe('notifications against a loopback server', () => {
  it('Discord: POSTs JSON {content} to the webhook URL', async () => {
    const api = await fakeApi();
    const { notifier } = setup(api.base, { discord: { webhookUrl: `${api.base}${WEBHOOK_PATH}` } });
    notifier.notify(entry);
    await notifier.flush();
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: WEBHOOK_PATH,
        contentType: 'application/json',
        body: { content: '🟢 ENTRY ES long 2 @ 5000.25 (pos-1)', allowed_mentions: { parse: [] } },
      },
    ]);
    expect(notifier.stats).toMatchObject({ sent: 1, failed: 0, queued: 0 });
  });

  it('Telegram: POSTs chat_id and text to /bot<token>/sendMessage', async () => {
    const api = await fakeApi();
    const { notifier } = setup(api.base, {
      telegram: { botToken: TOKEN, chatId: '-100200300', apiBaseUrl: api.base },
    });
    notifier.notify({
      kind: 'guard',
      ts: 2,
      guard: 'daily_loss',
      reason: 'day P&L -1,000.00 reached the limit',
    });
    await notifier.flush();
    expect(api.requests).toEqual([
      {
        method: 'POST',
        path: `/bot${TOKEN}/sendMessage`,
        contentType: 'application/json',
        body: { chat_id: '-100200300', text: '⛔ GUARD daily_loss: day P&L -1,000.00 reached the limit' },
      },
    ]);
  });

  it('waits for Retry-After on 429 and then delivers', async () => {
    const api = await fakeApi([
      { status: 429, headers: { 'retry-after': '3' }, body: '{}' },
      { status: 429, body: '{"ok":false,"error_code":429,"parameters":{"retry_after":7}}' },
    ]);
    const { notifier, waits } = setup(api.base, {
      telegram: { botToken: TOKEN, chatId: '42', apiBaseUrl: api.base },
    });
    notifier.notify(entry);
    await notifier.flush();
    expect(waits).toEqual([3_000, 7_000]);
    expect(api.requests).toHaveLength(3);
    expect(notifier.stats).toMatchObject({ sent: 1, retries: 2 });
  });

  it('backs off exponentially on 5xx and gives up after maxAttempts, without throwing', async () => {
    const api = await fakeApi([{ status: 502 }, { status: 503 }, { status: 500 }, { status: 500 }]);
    const { notifier, waits, logger } = setup(api.base, {
      discord: { webhookUrl: `${api.base}${WEBHOOK_PATH}` },
      maxAttempts: 4,
      initialBackoffMs: 100,
    });
    notifier.notify(entry);
    await notifier.flush();
    expect(waits).toEqual([100, 200, 400]);
    expect(api.requests).toHaveLength(4);
    expect(notifier.stats).toMatchObject({ sent: 0, failed: 1 });
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error', message: 'notification given up' });
  });

  it('drops a message the API refuses (4xx) after one try and logs the status, never the URL', async () => {
    const api = await fakeApi([
      { status: 401, body: `{"ok":false,"description":"Unauthorized bot${TOKEN}"}` },
    ]);
    const { notifier, logger, waits } = setup(api.base, {
      telegram: { botToken: TOKEN, chatId: '42', apiBaseUrl: api.base },
      discord: { webhookUrl: `${api.base}${WEBHOOK_PATH}` },
    });
    notifier.notify(entry);
    await notifier.flush();
    expect(waits).toEqual([]);
    expect(notifier.stats).toMatchObject({ sent: 1, failed: 1 });
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('"status":401');
    expect(logged).not.toContain(TOKEN);
    expect(logged).not.toContain('secret-webhook-token-abc');
  });

  it('retries a network failure and never logs the webhook URL', async () => {
    const api = await fakeApi();
    const { notifier, logger, waits } = setup(api.base, {
      discord: { webhookUrl: 'http://127.0.0.1:1/api/webhooks/1/secret-webhook-token-abc' },
      maxAttempts: 2,
      initialBackoffMs: 50,
    });
    notifier.notify(entry);
    await notifier.flush();
    expect(waits).toEqual([50]);
    expect(notifier.stats.failed).toBe(1);
    expect(JSON.stringify(logger.lines)).not.toContain('secret-webhook-token-abc');
  });

  it('keeps the queue bounded, dropping the oldest', async () => {
    const api = await fakeApi();
    const { notifier, logger } = setup(api.base, {
      discord: { webhookUrl: `${api.base}${WEBHOOK_PATH}` },
      maxQueued: 2,
    });
    for (let i = 0; i < 5; i++) notifier.notify({ ...entry, positionId: `pos-${i}` });
    await notifier.flush();
    // The first went out at once; of the four that waited, the two oldest were dropped.
    expect(api.requests.map((r) => (r.body as { content: string }).content)).toEqual([
      '🟢 ENTRY ES long 2 @ 5000.25 (pos-0)',
      '🟢 ENTRY ES long 2 @ 5000.25 (pos-3)',
      '🟢 ENTRY ES long 2 @ 5000.25 (pos-4)',
    ]);
    expect(notifier.stats.dropped).toBe(2);
    expect(logger.lines.filter((l) => l.message === 'notification dropped: queue full')).toHaveLength(2);
  });

  it('sends only the kinds asked for, and nothing at all when no channel is configured', async () => {
    const api = await fakeApi();
    const { notifier } = setup(api.base, {
      discord: { webhookUrl: `${api.base}${WEBHOOK_PATH}` },
      kinds: ['exit'],
    });
    notifier.notify(entry);
    await notifier.flush();
    expect(api.requests).toHaveLength(0);
    const off = createNotifier({});
    expect(off.enabled).toBe(false);
    off.notify(entry);
    await off.flush();
    expect(off.stats).toMatchObject({ sent: 0, queued: 0 });
  });

  it('registers the webhook URL and the bot token as secrets', async () => {
    const api = await fakeApi();
    const { secrets } = setup(api.base, {
      discord: { webhookUrl: `${api.base}${WEBHOOK_PATH}` },
      telegram: { botToken: TOKEN, chatId: '1', apiBaseUrl: api.base },
    });
    expect(secrets.scrub(`GET ${api.base}/bot${TOKEN}/x and ${api.base}${WEBHOOK_PATH}`)).toBe(
      `GET ${api.base}/bot[redacted]/x and [redacted]`,
    );
  });

  it('rejects bad settings with the setting name and the fix', () => {
    expect(() => createNotifier({ discord: { webhookUrl: 'http://discord.com/api/webhooks/1/x' } })).toThrow(
      'discord.webhookUrl: must be an https:// address (got http://discord.com)',
    );
    expect(() => createNotifier({ discord: { webhookUrl: 'not a url' } })).toThrow(
      'discord.webhookUrl: not a URL',
    );
    expect(() => createNotifier({ telegram: { botToken: 'abc', chatId: '1' } })).toThrow(
      /^telegram\.botToken: expected/,
    );
    expect(() => createNotifier({ telegram: { botToken: TOKEN, chatId: ' ' } })).toThrow(
      'telegram.chatId: missing',
    );
  });
});

describe('notification texts and Retry-After', () => {
  it('formats exits with P&L and rejections', () => {
    expect(
      formatNotification({
        kind: 'exit',
        ts: 1,
        positionId: 'pos-1',
        symbol: 'ES',
        side: 'long',
        quantity: 2,
        price: 4995,
        reason: 'initial_stop',
        pnl: -1262.5,
      }),
    ).toBe('🔴 EXIT ES long 2 @ 4995 · initial_stop · P&L -$1,262.50 (pos-1)');
    expect(
      formatNotification({
        kind: 'rejection',
        ts: 1,
        symbol: null,
        reason: 'outside the trading window',
        signalId: 's-9',
      }),
    ).toBe('⚠️ REJECTED: outside the trading window (s-9)');
  });

  it('reads Retry-After as seconds, as an HTTP date, or from a JSON body', () => {
    expect(retryAfterMs('2', '')).toBe(2_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', '', Date.UTC(2015, 9, 21, 7, 28, 0))).toBe(10_000);
    expect(retryAfterMs(null, '{"retry_after":0.5,"global":false}')).toBe(500);
    expect(retryAfterMs(null, 'nope')).toBeNull();
  });
});
