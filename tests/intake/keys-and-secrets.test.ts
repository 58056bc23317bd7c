/** Properties of idempotency keys and secret redaction. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intakeAlert } from '../../src/intake/index.ts';
import { FIRED_AT, RECEIVED_AT } from './helpers.ts';

const alertFields = fc.record({
  symbol: fc.constantFrom('ES1!', 'NQ1!', 'MES1!', 'MNQU2025', 'CME_MINI:ES1!'),
  action: fc.constantFrom('buy', 'sell', 'close', 'cancel', 'add'),
  secondsBefore: fc.integer({ min: 0, max: 50 }),
  quantity: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  strategy: fc.option(
    fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== '' && !s.includes('{{')),
    { nil: undefined },
  ),
});

type Fields = typeof alertFields extends fc.Arbitrary<infer V> ? V : never;

function render(
  f: Fields,
  style: { quoteNumbers: boolean; upperAction: boolean; reverse: boolean; spaces: boolean },
) {
  const entries: [string, unknown][] = [
    ['symbol', f.symbol],
    ['action', style.upperAction ? f.action.toUpperCase() : f.action],
    ['time', new Date(FIRED_AT - f.secondsBefore * 1000).toISOString().replace('.000', '')],
  ];
  if (f.quantity !== undefined)
    entries.push(['quantity', style.quoteNumbers ? String(f.quantity) : f.quantity]);
  if (f.strategy !== undefined) entries.push(['strategy', f.strategy]);
  if (style.reverse) entries.reverse();
  return JSON.stringify(Object.fromEntries(entries), null, style.spaces ? 2 : undefined);
}

const style = fc.record({
  quoteNumbers: fc.boolean(),
  upperAction: fc.boolean(),
  reverse: fc.boolean(),
  spaces: fc.boolean(),
});

describe('idempotency keys', () => {
  it('the same alert gives the same key however it is formatted and whenever it arrives within the lag', async () => {
    await fc.assert(
      fc.asyncProperty(
        alertFields,
        style,
        style,
        fc.integer({ min: 0, max: 5_000 }),
        async (f, s1, s2, delay) => {
          const a = await intakeAlert({ body: render(f, s1), receivedAt: RECEIVED_AT }, {});
          const b = await intakeAlert({ body: render(f, s2), receivedAt: RECEIVED_AT + delay }, {});
          if (!a.ok || !b.ok) throw new Error(`rejected: ${!a.ok ? a.error : ''} ${!b.ok ? b.error : ''}`);
          expect(b.key).toBe(a.key);
          expect(a.key).toMatch(/^a_[0-9a-f]{24}$/);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('alerts that differ in ticker, action, fire second, contracts or strategy get different keys', async () => {
    await fc.assert(
      fc.asyncProperty(alertFields, alertFields, async (f, g) => {
        const plain = { quoteNumbers: false, upperAction: false, reverse: false, spaces: false };
        const a = await intakeAlert({ body: render(f, plain), receivedAt: RECEIVED_AT }, {});
        const b = await intakeAlert({ body: render(g, plain), receivedAt: RECEIVED_AT }, {});
        if (!a.ok || !b.ok) throw new Error('rejected');
        const same =
          f.symbol.toUpperCase() === g.symbol.toUpperCase() &&
          a.alert.action === b.alert.action &&
          f.secondsBefore === g.secondsBefore &&
          f.quantity === g.quantity &&
          (f.strategy?.trim() ?? '') === (g.strategy?.trim() ?? '');
        expect(a.key === b.key).toBe(same);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('secret redaction', () => {
  const secret = fc
    .string({ minLength: 8, maxLength: 40, unit: 'grapheme-ascii' })
    .filter((s) => s.trim() === s && !s.includes('{{'));

  it('a secret in any body field, however escaped, never reaches the stored body or an error', async () => {
    await fc.assert(
      fc.asyncProperty(
        secret,
        fc.constantFrom('passphrase', 'secret', 'token'),
        fc.boolean(),
        async (s, field, alsoElsewhere) => {
          const body = JSON.stringify({
            symbol: 'ES1!',
            action: 'buy',
            time: '2025-06-10T14:30:00Z',
            [field]: s,
            ...(alsoElsewhere ? { note: `copy: ${s}` } : {}),
          });
          const r = await intakeAlert({ body, receivedAt: RECEIVED_AT }, { secrets: [s] });
          expect(r.storedBody.includes(s)).toBe(false);
          expect(r.storedBody.includes(JSON.stringify(s).slice(1, -1))).toBe(false);
          if (!r.ok) expect(r.error.includes(s)).toBe(false);
          else expect(r.outcome).toBe('accepted');
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('a wrong secret is refused whatever it looks like', async () => {
    await fc.assert(
      fc.asyncProperty(secret, secret, async (expected, presented) => {
        fc.pre(expected !== presented);
        const body = JSON.stringify({
          symbol: 'ES1!',
          action: 'buy',
          time: '2025-06-10T14:30:00Z',
          passphrase: presented,
        });
        const r = await intakeAlert({ body, receivedAt: RECEIVED_AT }, { secrets: [expected] });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.status).toBe(403);
      }),
      { numRuns: 1_000 },
    );
  });
});
