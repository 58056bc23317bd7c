/**
 * Pause, Resume and a dashboard settings change take effect on the next alert, through the HTTP
 * API of a running bot (paper broker, embedded PGlite); wrong settings are refused naming the key.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BotHandle, startBot } from '../../src/app/bot.ts';
import { parseCommandLine } from '../../src/app/config.ts';
import { idFromKey } from '../../src/runtime/signal-processor.ts';

const TOKEN = 'test-token-123456';
let bot: BotHandle;
let url: string;
let n = 0;

async function alert(action: 'buy' | 'sell' = 'buy'): Promise<{ status: string; reason: string }> {
  const id = `live-settings-${++n}`;
  const response = await fetch(`${url}/webhook/tradingview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ticker: 'ES1!', action, id, time: new Date().toISOString() }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { key: string };
  // Decided in the same turn the webhook stores it; the signal row is written at once.
  const signalId = idFromKey('s', body.key);
  for (let i = 0; i < 200; i++) {
    const signal = await bot.store.getSignal(signalId);
    if (signal && signal.status !== 'PENDING') return { status: signal.status, reason: signal.reason ?? '' };
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no decision for ${body.key}`);
}

const auth = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
});

async function control(action: 'pause' | 'resume'): Promise<Response> {
  return fetch(
    `${url}/api/control/${action}`,
    auth({ method: 'POST', body: JSON.stringify({ confirm: action.toUpperCase() }) }),
  );
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'valuearea-live-settings-'));
  const { config } = parseCommandLine(['--no-demo', '--port', '0', '--status', 'off', '--cooldown-ms', '0'], {
    PGLITE_DIR: join(dir, 'pglite'),
    DASHBOARD_TOKEN: TOKEN,
    VALUEAREA_SETTINGS:
      '{"flatByTime":"","noNewEntriesAfter":"","tradingWindowStart":"","tradingWindowEnd":"","cmeCalendar":false}',
    LOG_LEVEL: 'silent',
  });
  bot = await startBot(config);
  url = bot.url as string;
}, 60_000);

afterAll(async () => {
  await bot?.stop('test done');
});

describe('live settings through the HTTP API', () => {
  it('Pause refuses the next alert; Resume takes the next one again', async () => {
    expect((await control('pause')).status).toBe(200);
    const paused = await alert();
    expect(paused.status).toBe('FILTERED');
    expect(paused.reason).toMatch(/isActive|paused|disabled/i);
    expect((await control('resume')).status).toBe(200);
    const resumed = await alert('sell');
    expect(resumed.reason).not.toMatch(/isActive|paused|disabled/i);
  });

  it('a settings change (blacklist ES) applies to the next alert and is saved', async () => {
    const response = await fetch(
      `${url}/api/settings`,
      auth({ method: 'PATCH', body: JSON.stringify({ blacklist: ['ES'] }) }),
    );
    expect(response.status).toBe(200);
    const refused = await alert();
    expect(refused.status).toBe('FILTERED');
    expect(refused.reason).toMatch(/blacklist/);
    expect((await bot.store.getSettings()).blacklist).toEqual(['ES']);
    await fetch(`${url}/api/settings`, auth({ method: 'PATCH', body: JSON.stringify({ blacklist: [] }) }));
    expect((await alert()).reason).not.toMatch(/blacklist/);
  });

  it('refuses unknown keys and wrong types with the key named and the fix, applying nothing', async () => {
    const before = await bot.store.getSettings();
    for (const [patch, key, fix] of [
      [{ cooldownMs: 'five minutes' }, 'cooldownMs', /whole number/],
      [{ flatByTime: '3pm' }, 'flatByTime', /HH:MM/],
      [{ riskPerTrad: 250 }, 'riskPerTrad', /did you mean riskPerTrade/],
      [{ blacklist: ['ES'], maxContracts: 0 }, 'maxContracts', /from 1/],
    ] as const) {
      const response = await fetch(
        `${url}/api/settings`,
        auth({ method: 'PATCH', body: JSON.stringify(patch) }),
      );
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { message: string; parameter?: string } };
      expect(body.error.message).toContain(key);
      expect(body.error.message).toMatch(fix);
      expect(body.error.parameter).toBe(key);
    }
    expect(await bot.store.getSettings()).toEqual(before);
  });

  it('needs the dashboard token to change settings', async () => {
    const response = await fetch(`${url}/api/settings`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ isActive: false }),
    });
    expect(response.status).toBe(401);
  });
});
