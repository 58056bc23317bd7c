/** Every dialect of tradingview-alerts.md Part 2 parses from its fixture into the same NormalizedAlert shape. */
import { describe, expect, it } from 'vitest';
import { type IntakeConfig, intakeAlert } from '../../src/intake/index.ts';
import { FIRED_AT, fixture, RECEIVED_AT } from './helpers.ts';

const open: IntakeConfig = { allowMissingTime: true };

async function accept(name: string, config: IntakeConfig = open, pathToken?: string) {
  const result = await intakeAlert({ body: fixture(name), receivedAt: RECEIVED_AT, pathToken }, config);
  if (!result.ok) throw new Error(`${name} rejected: ${result.status} ${result.error}`);
  expect(result.outcome).toBe('accepted');
  return result;
}

async function rejection(name: string, config: IntakeConfig = open) {
  const result = await intakeAlert({ body: fixture(name), receivedAt: RECEIVED_AT }, config);
  if (result.ok) throw new Error(`${name} was accepted`);
  return result;
}

describe('dialects', () => {
  it('§2.1 TradersPost minimal: quoted price, no time, secret in the URL path', async () => {
    const r = await accept(
      'traderspost-minimal.json',
      { ...open, secrets: ['path-secret-9'] },
      'path-secret-9',
    );
    expect(r.alert).toMatchObject({
      symbol: 'ES',
      ticker: 'ES1!',
      action: 'buy',
      price: 6335.25,
      dialect: 'traderspost',
    });
    expect(r.key).toMatch(/^b_[0-9a-f]{24}$/);
  });

  it('§2.2 TradersPost indicator: bare OHLC numbers and {{timenow}} as time', async () => {
    const r = await accept('traderspost-indicator.json');
    expect(r.alert).toMatchObject({ symbol: 'NQ', action: 'buy', price: 21507.75, firedAt: FIRED_AT });
    expect(r.key).toMatch(/^a_[0-9a-f]{24}$/);
  });

  it('§2.3 TradersPost strategy core: action with sentiment', async () => {
    const r = await accept('traderspost-strategy.json');
    expect(r.alert).toMatchObject({ symbol: 'MNQ', action: 'sell', marketPosition: 'short' });
  });

  it('§2.3 TradersPost full signal on an explicit contract: limitPrice wins over signalPrice', async () => {
    const r = await accept('traderspost-signal-mnq.json');
    expect(r.alert).toMatchObject({
      symbol: 'MNQ',
      contractMonth: { month: 'U', year: 2025 },
      quantity: 2,
      price: 21500.25,
    });
  });

  it('§2.3 TradersPost examples on stocks (AMD, TSLA) are rejected as unsupported', async () => {
    for (const name of ['traderspost-signal-amd.json', 'traderspost-limit-tsla.json']) {
      const r = await rejection(name);
      expect(r.status).toBe(422);
      expect(r.field).toBe('ticker');
      expect(r.error).toMatch(/unsupported ticker/);
    }
  });

  it('§2.4 PickMyTrade indicator: every value quoted, action in data, date as fire time', async () => {
    const r = await accept('pickmytrade-indicator.json', { secrets: ['pmt-token-7f3a9c2e'] });
    expect(r.alert).toMatchObject({
      symbol: 'MNQ',
      action: 'buy',
      quantity: 1,
      price: 21507.75,
      firedAt: FIRED_AT,
      dialect: 'pickmytrade',
    });
    expect(r.storedBody).not.toContain('pmt-token-7f3a9c2e');
    expect(r.storedBody).not.toContain('pmt-sub-token-11aa');
  });

  it('§2.4 PickMyTrade strategy: hard-coded bare root NQ, mixed types', async () => {
    const r = await accept('pickmytrade-strategy.json', { secrets: ['your_token_here'] });
    expect(r.alert).toMatchObject({ symbol: 'NQ', ticker: 'NQ', action: 'sell', quantity: 2 });
  });

  it('§2.4 PickMyTrade Rithmic variant: data close maps to close', async () => {
    const r = await accept('pickmytrade-rithmic-close.json');
    expect(r.alert).toMatchObject({ symbol: 'ES', action: 'close' });
  });

  it('§2.5 nested passphrase/bar/strategy: fire time from time, bar time from bar.time, order id with spaces', async () => {
    const r = await accept('nested-passphrase-es.json', { secrets: ['abcdefgh'] });
    expect(r.alert).toMatchObject({
      symbol: 'ES',
      action: 'buy',
      quantity: 2,
      price: 6335.25,
      orderId: 'long door',
      marketPosition: 'long',
      firedAt: FIRED_AT,
      barTime: Date.parse('2025-06-10T14:25:00Z'),
      dialect: 'nested-strategy',
    });
    expect(r.warnings).toEqual([]);
    expect(r.storedBody).toContain('"passphrase": "[redacted]"');
  });

  it('§2.5 the published DOGEUSDT instance is rejected as an unsupported symbol', async () => {
    const r = await rejection('nested-passphrase-doge.json', {
      secrets: ['abcdefgh'],
      maxLagMs: Number.MAX_SAFE_INTEGER,
    });
    expect(r.status).toBe(422);
    expect(r.error).toContain('DOGEUSDT');
    expect(r.storedBody).not.toContain('abcdefgh');
  });

  it('§2.6 pipe-delimited: secret first, strategy name with spaces (grammar enabled on the route)', async () => {
    const r = await accept('pipe-delimited.txt', {
      allowMissingTime: true,
      secrets: ['your_bva_key'],
      pipeFields: ['secret', 'strategy', 'action', 'ticker'],
    });
    expect(r.alert).toMatchObject({
      symbol: 'ES',
      action: 'buy',
      strategy: 'my value area strategy',
      dialect: 'pipe',
    });
    expect(r.storedBody).toBe('[redacted]|my value area strategy|buy|ES1!\n');
  });

  it('§2.7 TopstepX bridge: upper-case signal, continuous micro symbol, bare size', async () => {
    const buy = await accept('topstepx-bridge-buy.json');
    expect(buy.alert).toMatchObject({
      symbol: 'MES',
      action: 'buy',
      quantity: 3,
      dialect: 'topstepx-bridge',
    });
    const flat = await accept('topstepx-bridge-flat.json');
    expect(flat.alert.action).toBe('close');
  });

  it('§2.8 JADNQ: signed position_size -2 with short is a short entry of 2', async () => {
    const r = await accept('jadnq-short.json');
    expect(r.alert).toMatchObject({
      symbol: 'NQ',
      action: 'sell',
      marketPosition: 'short',
      quantity: 2,
      strategy: 'JADNQ',
    });
    expect(r.warnings).toEqual([]);
  });

  it('§2.8 JADNQ: a buy that leaves the strategy flat is a close', async () => {
    const r = await accept('jadnq-flat.json');
    expect(r.alert).toMatchObject({ action: 'close', marketPosition: 'flat' });
  });

  it('TradingView strategy placeholder names as literal dotted keys, exchange-prefixed ticker', async () => {
    const r = await accept('tradingview-strategy-dotted.json');
    expect(r.alert).toMatchObject({
      symbol: 'ES',
      action: 'buy',
      quantity: 1,
      orderId: 'Long Entry',
      marketPosition: 'long',
      firedAt: FIRED_AT,
      barTime: Date.parse('2025-06-10T14:25:00Z'),
      dialect: 'tradingview-strategy',
    });
  });

  it('our canonical JSON: explicit key, passphrase in the body', async () => {
    const r = await accept('canonical.json', { secrets: ['s3cret-passphrase-123'] });
    expect(r.key).toBe('k_es-20250610-1430-long');
    expect(r.alert).toMatchObject({
      symbol: 'ES',
      action: 'buy',
      quantity: 1,
      price: 6335.25,
      strategy: 'value area',
      dialect: 'canonical',
    });
    expect(r.storedBody).not.toContain('s3cret-passphrase-123');
  });

  it('key=value text: one pair per line, any action casing', async () => {
    const r = await accept('key-value.txt', { secrets: ['s3cret-passphrase-123'] });
    expect(r.alert).toMatchObject({ symbol: 'NQ', action: 'sell', quantity: 1, dialect: 'key-value' });
    expect(r.storedBody).toContain('token=[redacted]');
  });

  it('key=value text also works separated by & or ,', async () => {
    for (const body of [
      'symbol=ES1!&action=buy&time=2025-06-10T14:30:00Z',
      'symbol=ES1!, action=buy, time=2025-06-10T14:30:00Z',
    ]) {
      const r = await intakeAlert({ body, receivedAt: RECEIVED_AT }, {});
      expect(r.ok && r.alert.symbol).toBe('ES');
    }
  });

  it('unrendered templates are rejected for their leftover placeholders', async () => {
    for (const name of ['template-traderspost-indicator.txt', 'template-jadnq.txt']) {
      const r = await rejection(name);
      expect(r.status).toBe(422);
      expect(r.error).toMatch(/still contains \{\{/);
    }
  });
});
