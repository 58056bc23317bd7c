/**
 * tradingview-alerts.md Part 3, case by case, against the intake core. Receiver-level parts of the
 * cases (HTTP status, access logs, the 3-second budget) are in server.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type IntakeConfig, type IntakeResult, intakeAlert } from '../../src/intake/index.ts';
import { FIRED_AT, fixture, RECEIVED_AT } from './helpers.ts';

const T = '2025-06-10T14:30:00Z';

function body(fields: Record<string, unknown>): string {
  return JSON.stringify({ symbol: 'ES1!', action: 'buy', time: T, ...fields });
}

async function run(
  b: string | Uint8Array,
  config: IntakeConfig = {},
  extra: { contentType?: string; pathToken?: string; receivedAt?: number } = {},
) {
  return intakeAlert(
    {
      body: b,
      receivedAt: extra.receivedAt ?? RECEIVED_AT,
      contentType: extra.contentType,
      pathToken: extra.pathToken,
    },
    config,
  );
}

function accepted(r: IntakeResult) {
  if (!r.ok) throw new Error(`rejected: ${r.status} ${r.error}`);
  return r;
}

function rejected(r: IntakeResult) {
  if (r.ok) throw new Error(`accepted: ${JSON.stringify(r.alert)}`);
  return r;
}

describe('3.1 JSON vs text/plain', () => {
  it('1–2. valid JSON parses as JSON whatever the Content-Type says', async () => {
    for (const contentType of [
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      undefined,
    ]) {
      const r = accepted(await run(body({}), {}, { contentType }));
      expect(r.alert.dialect).toBe('canonical');
    }
  });

  it('3. a JSON template that rendered invalid is rejected with the position, never half-parsed', async () => {
    const empties = [
      '{"ticker": "ES1!", "action": "buy", "time": "2025-06-10T14:30:00Z", "price": }',
      '{"ticker": "ES1!", "action": "buy", "time": "2025-06-10T14:30:00Z", "price": n/a}',
      '{"ticker": "ES1!", "action": "buy", "comment": "he said "go"", "time": "2025-06-10T14:30:00Z"}',
    ];
    for (const b of empties) {
      const r = rejected(await run(b, {}, { contentType: 'text/plain' }));
      expect(r.status).toBe(400);
      expect(r.error).toMatch(/does not parse at line 1, column \d+ — /);
    }
  });

  it('4. pipe-delimited text is accepted only where the route configures the grammar', async () => {
    const text = fixture('pipe-delimited.txt');
    const off = rejected(await run(text, { allowMissingTime: true }));
    expect(off.status).toBe(400);
    expect(off.error).toMatch(/pipe-delimited text is off/);
    const on = accepted(
      await run(text, { allowMissingTime: true, pipeFields: ['secret', 'strategy', 'action', 'ticker'] }),
    );
    expect(on.alert.action).toBe('buy');
    const wrongCount = rejected(
      await run('a|b|c', { pipeFields: ['secret', 'strategy', 'action', 'ticker'] }),
    );
    expect(wrongCount.error).toMatch(/has 3 fields but this route expects 4/);
  });

  it('5. empty, whitespace-only and non-UTF-8 bodies are rejected', async () => {
    for (const b of ['', '   \n\t  ', new Uint8Array(0)]) {
      const r = rejected(await run(b));
      expect(r.status).toBe(400);
      expect(r.error).toMatch(/empty/);
    }
    const latin1 = new Uint8Array([0x7b, 0x22, 0x61, 0xe9, 0x22, 0x7d]); // {"aé"} in Latin-1
    const r = rejected(await run(latin1));
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/not valid UTF-8/);
  });

  it('5. on a route with a secret, an unreadable body is recorded only when the URL secret proves the sender', async () => {
    const secrets = ['Zq81-secret-value'];
    const latin1 = new Uint8Array([0x7b, 0xe9, 0x7d]);
    for (const b of ['', latin1, 'x'.repeat(70_000)]) {
      expect(rejected(await run(b, { secrets })).store).toBe(false);
      expect(rejected(await run(b, { secrets }, { pathToken: 'wrong-token' })).store).toBe(false);
      expect(rejected(await run(b, { secrets }, { pathToken: 'Zq81-secret-value' })).store).toBe(true);
      expect(rejected(await run(b)).store).toBe(true);
    }
  });
});

describe('3.2 quoted vs bare numbers and booleans', () => {
  it('6. "6335.25" and 6335.25, "1" and 1 give the same values and the same key', async () => {
    const quoted = accepted(await run(body({ price: '6335.25', quantity: '1' })));
    const bare = accepted(await run(body({ price: 6335.25, quantity: 1 })));
    expect(quoted.alert.price).toBe(6335.25);
    expect(quoted.alert.quantity).toBe(1);
    expect(bare.alert).toEqual(quoted.alert);
  });

  it('6. booleans: "true" and true read the same', async () => {
    const { readBoolean, flatten } = await import('../../src/intake/fields.ts');
    for (const v of [true, 'true', 'TRUE', ' True ']) {
      expect(readBoolean(flatten({ pyramid: v }), ['pyramid'])).toMatchObject({ ok: true, value: true });
    }
    for (const v of [false, 'false', 'False']) {
      expect(readBoolean(flatten({ pyramid: v }), ['pyramid'])).toMatchObject({ ok: true, value: false });
    }
    expect(readBoolean(flatten({ pyramid: 'yes' }), ['pyramid']).ok).toBe(false);
  });

  it('7. many decimals parse to the nearest double, and an off-grid price is only a warning', async () => {
    const r = accepted(await run(body({ price: '6335.2727486' })));
    expect(r.alert.price).toBe(6335.2727486);
    expect(r.warnings.join()).toMatch(/not on the ES tick grid/);
    const onGrid = accepted(await run(body({ price: 6335.25 })));
    expect(onGrid.warnings).toEqual([]);
  });

  it('8. empty, non-numeric, NaN, Infinity, negative, zero or fractional quantities are rejected', async () => {
    const cases: Record<string, unknown>[] = [
      { price: '' },
      { price: 'abc' },
      { price: 'NaN' },
      { price: 'Infinity' },
      { quantity: 'abc' },
      { quantity: '' },
      { quantity: 'NaN' },
      { quantity: '-Infinity' },
      { quantity: -1 },
      { quantity: '0' },
      { quantity: 0 },
      { quantity: 1.5 },
    ];
    for (const fields of cases) {
      const r = rejected(await run(body(fields)));
      expect(r.status).toBe(422);
      expect(r.field).toBe(Object.keys(fields)[0]);
      expect(r.error).toContain(' — ');
    }
  });
});

describe('3.3 action vocabulary and casing', () => {
  it('9. buy/Buy/BUY and sell/SELL normalise alike', async () => {
    for (const word of ['buy', 'Buy', 'BUY', ' buy '])
      expect(accepted(await run(body({ action: word }))).alert.action).toBe('buy');
    for (const word of ['sell', 'SELL', 'Sell'])
      expect(accepted(await run(body({ action: word }))).alert.action).toBe('sell');
  });

  it('10. FLAT/close/exit → close, cancel → cancel, add → add unless scaling in is disabled', async () => {
    for (const word of ['FLAT', 'close', 'exit', 'Exit'])
      expect(accepted(await run(body({ action: word }))).alert.action).toBe('close');
    expect(accepted(await run(body({ action: 'cancel' }))).alert.action).toBe('cancel');
    expect(accepted(await run(body({ action: 'add' }))).alert.action).toBe('add');
    const off = rejected(await run(body({ action: 'add' }), { allowScaleIn: false }));
    expect(off.error).toMatch(/scale in\) is disabled/);
  });

  it('11. market_position/sentiment long, short, flat are target states; contradictions are rejected', async () => {
    expect(accepted(await run(body({ action: 'buy', sentiment: 'long' }))).alert.marketPosition).toBe('long');
    expect(accepted(await run(body({ action: 'sell', market_position: 'SHORT' }))).alert.marketPosition).toBe(
      'short',
    );
    expect(accepted(await run(body({ action: 'sell', sentiment: 'flat' }))).alert.action).toBe('close');
    for (const fields of [
      { action: 'buy', market_position: 'short' },
      { action: 'sell', sentiment: 'long' },
      { action: 'close', market_position: 'long' },
      { action: 'buy', market_position: 'long', sentiment: 'short' },
    ]) {
      const r = rejected(await run(body(fields)));
      expect(r.status).toBe(422);
    }
    expect(rejected(await run(body({ market_position: 'sideways' }))).error).toMatch(
      /not long, short or flat/,
    );
  });

  it('12. an unknown or missing action word is rejected, never guessed', async () => {
    for (const word of ['long', 'purchase', 'b', '']) {
      const r = rejected(await run(body({ action: word })));
      expect(r.status).toBe(422);
      expect(r.field).toBe('action');
    }
    const none = rejected(await run(JSON.stringify({ symbol: 'ES1!', time: T })));
    expect(none.error).toMatch(/^no action — add/);
    const disagree = rejected(await run(body({ action: 'buy', signal: 'SELL' })));
    expect(disagree.error).toMatch(/disagree/);
  });
});

describe('3.4 where the secret can be', () => {
  const secrets = ['Zq81-secret-value'];

  it('13. in a body field passphrase or token, and the field name is configurable', async () => {
    accepted(await run(body({ passphrase: 'Zq81-secret-value' }), { secrets }));
    accepted(await run(body({ token: 'Zq81-secret-value' }), { secrets }));
    accepted(await run(body({ auth: 'Zq81-secret-value' }), { secrets, secretFields: ['auth'] }));
    const notThatField = rejected(
      await run(body({ passphrase: 'Zq81-secret-value' }), { secrets, secretFields: ['auth'] }),
    );
    expect(notThatField.status).toBe(401);
  });

  it('14. as the first positional field of delimited text', async () => {
    const config = {
      secrets: ['your_bva_key'],
      allowMissingTime: true,
      pipeFields: ['secret', 'strategy', 'action', 'ticker'],
    };
    accepted(await run(fixture('pipe-delimited.txt'), config));
    expect(rejected(await run('wrong|s|buy|ES1!', config)).status).toBe(403);
  });

  it('15. in the URL path (or query), taking precedence over the body', async () => {
    accepted(await run(body({}), { secrets }, { pathToken: 'Zq81-secret-value' }));
    const wrongPath = rejected(
      await run(body({ passphrase: 'Zq81-secret-value' }), { secrets }, { pathToken: 'nope' }),
    );
    expect(wrongPath.status).toBe(403);
  });

  it('16. with no secret configured the route relies on the allow-list / certificate and accepts bodies without one', async () => {
    accepted(await run(body({})));
  });

  it('17. a wrong or missing secret is 401/403, not stored, and never echoed; stored bodies never hold the secret', async () => {
    const missing = rejected(await run(body({}), { secrets }));
    expect(missing).toMatchObject({ status: 401, store: false });
    const wrong = rejected(await run(body({ passphrase: 'Zq81-secret-valuX' }), { secrets }));
    expect(wrong).toMatchObject({ status: 403, store: false });
    expect(wrong.error).not.toContain('Zq81');
    // The secret smuggled into another field is redacted from the stored body and from errors.
    const sneaky = rejected(
      await run(body({ passphrase: 'Zq81-secret-value', action: 'Zq81-secret-value' }), { secrets }),
    );
    expect(sneaky.error).not.toContain('Zq81-secret-value');
    expect(sneaky.storedBody).not.toContain('Zq81-secret-value');
    const ok = accepted(
      await run(body({ passphrase: 'Zq81-secret-value', note: 'x Zq81-secret-value x' }), { secrets }),
    );
    expect(ok.storedBody).not.toContain('Zq81-secret-value');
  });
});

describe('3.5 duplicates, stale alerts, time', () => {
  it('18. the same body twice gives the same key; the order id or contracts extend it', async () => {
    const a = accepted(await run(body({ ticker: undefined })));
    const b = accepted(await run(body({}), {}, { receivedAt: RECEIVED_AT + 500 }));
    expect(a.key).toBe(b.key);
    const otherOrder = accepted(await run(body({ 'order.id': 'Long 2' })));
    const otherContracts = accepted(await run(body({ quantity: 2 })));
    const otherSecond = accepted(await run(body({ time: '2025-06-10T14:30:01Z' })));
    expect(new Set([a.key, otherOrder.key, otherContracts.key, otherSecond.key]).size).toBe(4);
    expect(a.key).toMatch(/^a_[0-9a-f]{24}$/);
    // PickMyTrade's date plays the role of timenow.
    const pmt = accepted(await run(fixture('pickmytrade-indicator.json')));
    expect(pmt.alert.firedAt).toBe(FIRED_AT);
  });

  it('19. a fire time older than the maximum lag is ignored as stale (the bar time does not count)', async () => {
    const r = accepted(await run(body({}), { maxLagMs: 1_000 }));
    expect(r.outcome).toBe('ignored');
    expect(r.reason).toBe('ignored: stale — fired 2s before it arrived, maximum lag 1s');
    const barOnly = accepted(
      await run(JSON.stringify({ symbol: 'ES1!', action: 'buy', timenow: T, time: '2025-06-10T13:00:00Z' }), {
        maxLagMs: 5_000,
      }),
    );
    expect(barOnly.outcome).toBe('accepted');
  });

  it('20. a fire time in the future beyond the skew allowance is rejected', async () => {
    const r = rejected(await run(body({}), { maxClockSkewMs: 5_000 }, { receivedAt: FIRED_AT - 6_000 }));
    expect(r.status).toBe(422);
    expect(r.error).toMatch(/in the future/);
    accepted(await run(body({}), { maxClockSkewMs: 5_000 }, { receivedAt: FIRED_AT - 4_000 }));
  });

  it('21. no timestamp: keyed on body hash and a time bucket, rejected only where the route refuses it', async () => {
    const noTime = JSON.stringify({ symbol: 'ES1!', action: 'buy' });
    expect(rejected(await run(noTime, { allowMissingTime: false })).error).toMatch(/^no time field/);
    const config = { missingTimeBucketMs: 60_000 };
    const bucketStart = Math.floor(RECEIVED_AT / 60_000) * 60_000;
    const a = accepted(await run(noTime, config, { receivedAt: bucketStart + 1_000 }));
    const b = accepted(await run(noTime, config, { receivedAt: bucketStart + 59_000 }));
    const c = accepted(await run(noTime, config, { receivedAt: bucketStart + 61_000 }));
    expect(a.key).toMatch(/^b_/);
    expect(b.key).toBe(a.key);
    expect(c.key).not.toBe(a.key);
  });

  it('fire times come as ISO text, epoch seconds or epoch milliseconds', async () => {
    for (const time of [
      T,
      FIRED_AT,
      String(FIRED_AT / 1000),
      FIRED_AT / 1000,
      '2025-06-10T09:30:00-05:00',
      '2025-06-10 14:30:00',
    ]) {
      expect(accepted(await run(body({ time }))).alert.firedAt).toBe(FIRED_AT);
    }
    expect(rejected(await run(body({ time: 'yesterday' }))).field).toBe('time');
  });
});

describe('3.6 leftover placeholders', () => {
  it('23. any body still containing {{ is rejected, naming the placeholder', async () => {
    const r = rejected(await run(body({ action: '{{strategy.order.action}}' })));
    expect(r.status).toBe(422);
    expect(r.error).toContain('{{strategy.order.action}}');
    expect(rejected(await run('symbol=ES1!\naction={{stratgy.order.action}}')).error).toContain(
      '{{stratgy.order.action}}',
    );
    expect(rejected(await run(body({ note: 'open {{ brace' }))).status).toBe(422);
  });
});

describe('3.7 signed position size', () => {
  it('24. -2 with short → short; 0 with flat → flat', async () => {
    expect(
      accepted(await run(body({ action: 'sell', position_size: -2, market_position: 'short' }))).alert
        .marketPosition,
    ).toBe('short');
    const flat = accepted(await run(body({ action: 'sell', position_size: '0', market_position: 'flat' })));
    expect(flat.alert).toMatchObject({ marketPosition: 'flat', action: 'close' });
    // Without market_position the sign alone gives the target.
    expect(accepted(await run(body({ action: 'sell', position_size: -1 }))).alert.marketPosition).toBe(
      'short',
    );
  });

  it('25. a sign that contradicts market_position is rejected', async () => {
    for (const [size, position] of [
      [-2, 'long'],
      [2, 'short'],
      [0, 'long'],
      [1, 'flat'],
    ] as const) {
      const r = rejected(await run(body({ action: 'buy', position_size: size, market_position: position })));
      expect(r.field).toBe('position_size');
    }
    expect(rejected(await run(body({ action: 'buy', position_size: -2 }))).field).toBe('market_position');
  });

  it('26. a position change that differs from the order size is a warning, not a rejection', async () => {
    const fine = accepted(
      await run(
        body({
          action: 'sell',
          market_position: 'short',
          position_size: -2,
          prev_market_position: 'long',
          prev_market_position_size: 1,
          quantity: 3,
        }),
      ),
    );
    expect(fine.warnings).toEqual([]);
    const odd = accepted(
      await run(
        body({
          action: 'sell',
          market_position: 'short',
          position_size: -2,
          prev_market_position: 'flat',
          prev_market_position_size: 0,
          quantity: 3,
        }),
      ),
    );
    expect(odd.warnings.join()).toMatch(
      /position went from 0 to -2 \(change 2\) but the order was for 3 contracts/,
    );
  });
});

describe('3.8 ticker forms', () => {
  it('27. continuous ES1!, NQ1!, MES1!, MNQ1! map to our roots', async () => {
    for (const [ticker, symbol] of [
      ['ES1!', 'ES'],
      ['NQ1!', 'NQ'],
      ['MES1!', 'MES'],
      ['MNQ1!', 'MNQ'],
      ['es1!', 'ES'],
    ]) {
      const r = accepted(await run(body({ symbol: ticker })));
      expect(r.alert.symbol).toBe(symbol);
      expect(r.alert.contractMonth).toBeUndefined();
    }
  });

  it('28. explicit MNQU2025 and NQM5 name the contract; an expired contract is rejected', async () => {
    expect(accepted(await run(body({ symbol: 'MNQU2025' }))).alert.contractMonth).toEqual({
      month: 'U',
      year: 2025,
    });
    expect(accepted(await run(body({ symbol: 'NQM5' }))).alert.contractMonth).toEqual({
      month: 'M',
      year: 2025,
    });
    const expired = rejected(await run(body({ symbol: 'NQH5' })));
    expect(expired.error).toMatch(/has expired/);
  });

  it('29. a bare root NQ maps like NQ1!', async () => {
    expect(accepted(await run(body({ symbol: 'NQ' }))).alert).toMatchObject({ symbol: 'NQ', ticker: 'NQ' });
  });

  it('30. exchange prefixes with a delayed-feed suffix are ignored for mapping', async () => {
    for (const ticker of ['CME_MINI:ES1!', 'CME_MINI_DL:ES1!', 'CME_MINI_DLY:ES1!']) {
      expect(accepted(await run(body({ symbol: ticker }))).alert.symbol).toBe('ES');
    }
    expect(accepted(await run(body({ exchange: 'CME_MINI_DL' }))).alert.symbol).toBe('ES');
  });

  it('31. instruments we do not trade are rejected as unsupported', async () => {
    for (const ticker of ['DOGEUSDT', 'AMD', 'TSLA', 'ES2!']) {
      const r = rejected(await run(body({ symbol: ticker })));
      expect(r.status).toBe(422);
      expect(r.field).toBe('symbol');
    }
    expect(rejected(await run(JSON.stringify({ action: 'buy', time: T }))).error).toMatch(/^no instrument/);
    expect(rejected(await run(body({ ticker: 'NQ1!' }))).error).toMatch(/different instruments/);
  });
});

describe('idempotency keys fit order tags', () => {
  it('explicit ids that are not tag-safe or too long are hashed; every key leaves room for "-e0"', async () => {
    expect(accepted(await run(body({ id: 'my id with spaces' }))).key).toMatch(/^k_[0-9a-f]{24}$/);
    expect(accepted(await run(body({ key: 'x'.repeat(25) }))).key).toMatch(/^k_[0-9a-f]{24}$/);
    expect(accepted(await run(body({ key: 'abc-123' }))).key).toBe('k_abc-123');
    // With key configured as a secret field, it is not taken as the id.
    const r = accepted(
      await run(body({ key: 'Zq81-secret-value' }), {
        secrets: ['Zq81-secret-value'],
        secretFields: ['key'],
      }),
    );
    expect(r.key).toMatch(/^a_/);
    expect(r.storedBody).not.toContain('Zq81');
  });

  it('rejections are keyed per delivery with an r_ prefix', async () => {
    const a = rejected(await run('{'));
    const b = rejected(await run('{', {}, { receivedAt: RECEIVED_AT + 1 }));
    expect(a.key).toMatch(/^r_[0-9a-f]{24}$/);
    expect(a.key).not.toBe(b.key);
  });

  it('oversized bodies are 413', async () => {
    const r = rejected(await run(body({ note: 'x'.repeat(70_000) })));
    expect(r.status).toBe(413);
    expect(r.storedBody).toBe('');
  });
});
