/** Templates without a time field (TradersPost, TopstepX bridge) are accepted on the default route. */
import { describe, expect, it } from 'vitest';
import { type IntakeConfig, intakeAlert } from '../../src/intake/index.ts';
import { RECEIVED_AT } from './helpers.ts';

const BUCKET_START = Math.floor(RECEIVED_AT / 60_000) * 60_000;

async function keyOf(body: string, receivedAt: number, config: IntakeConfig = {}): Promise<string> {
  const r = await intakeAlert({ body, receivedAt }, config);
  if (!r.ok) throw new Error(`rejected: ${r.status} ${r.error}`);
  return r.key;
}

describe('alerts without a time field', () => {
  it('a TradersPost template without a time is accepted by default', async () => {
    const r = await intakeAlert({
      body: '{"ticker":"ES1!","action":"buy","price":"6335.25"}',
      receivedAt: RECEIVED_AT,
    });
    expect(r).toMatchObject({
      ok: true,
      outcome: 'accepted',
      alert: { symbol: 'ES', dialect: 'traderspost' },
    });
  });

  it('the TopstepX bridge template without a time is accepted by default', async () => {
    const r = await intakeAlert({
      body: '{"symbol":"MES1!","signal":"BUY","size":3}',
      receivedAt: RECEIVED_AT,
    });
    expect(r).toMatchObject({ ok: true, alert: { symbol: 'MES', action: 'buy', quantity: 3 } });
  });

  it('a retry of the same body within the minute is the same alert; the next minute it is new', async () => {
    const body = '{"symbol":"MES1!","signal":"BUY","size":3}';
    const first = await keyOf(body, BUCKET_START + 5_000);
    expect(first).toMatch(/^b_[0-9a-f]{24}$/);
    expect(await keyOf(body, BUCKET_START + 55_000)).toBe(first);
    expect(await keyOf(body, BUCKET_START + 65_000)).not.toBe(first);
  });

  it('the key depends only on the body and the arrival bucket (deterministic)', async () => {
    const a = await keyOf('{"ticker":"NQ1!","action":"sell"}', RECEIVED_AT);
    expect(await keyOf('{"ticker":"NQ1!","action":"sell"}', RECEIVED_AT)).toBe(a);
    expect(await keyOf('{"ticker":"NQ1!","action":"buy"}', RECEIVED_AT)).not.toBe(a);
  });

  it('the bucket width follows missingTimeBucketMs', async () => {
    const body = '{"ticker":"ES1!","action":"buy"}';
    const config = { missingTimeBucketMs: 300_000 };
    const start = Math.floor(RECEIVED_AT / 300_000) * 300_000;
    expect(await keyOf(body, start + 1_000, config)).toBe(await keyOf(body, start + 250_000, config));
  });

  it('a route that refuses alerts without a time says which field to add', async () => {
    const r = await intakeAlert(
      { body: '{"ticker":"ES1!","action":"buy"}', receivedAt: RECEIVED_AT },
      { allowMissingTime: false },
    );
    expect(r).toMatchObject({ ok: false, status: 422, field: 'time' });
    expect(r.ok ? '' : r.error).toMatch(/add "time": "\{\{timenow\}\}"/);
  });
});
