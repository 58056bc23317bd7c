/** Common instrument spellings (TradingView, CME, NinjaTrader) resolve for every supported root. */
import { describe, expect, it } from 'vitest';
import { SUPPORTED_SYMBOLS } from '../../src/domain/instruments.ts';
import { intakeAlert } from '../../src/intake/index.ts';
import { fromNinjaTrader, resolveAlertTicker } from '../../src/intake/ticker.ts';

// March 2025: the June and December 2025 contracts are still live.
const NOW = Date.parse('2025-03-10T14:30:00Z');

describe('ticker spellings', () => {
  const cases = SUPPORTED_SYMBOLS.flatMap(
    (root) =>
      [
        [root, `${root} 06-25`, { month: 'M', year: 2025 }],
        [root, `${root} 12-2025`, { month: 'Z', year: 2025 }],
        [root, `${root}Z25`, { month: 'Z', year: 2025 }],
        [root, `${root}Z5`, { month: 'Z', year: 2025 }],
        [root, `CME_MINI:${root}1!`, undefined],
        [root, `${root}1!`, undefined],
        [root, root, undefined],
        [root, root.toLowerCase(), undefined],
      ] as const,
  );

  it.each(cases)('%s: "%s" resolves', (root, ticker, contractMonth) => {
    const r = resolveAlertTicker(ticker, NOW);
    expect(r).toMatchObject({ ok: true, match: { symbol: root } });
    if (r.ok) expect(r.match.contractMonth).toEqual(contractMonth);
  });

  it('NinjaTrader month-year becomes the CME month code', () => {
    expect(fromNinjaTrader('MNQ 06-25')).toBe('MNQM2025');
    expect(fromNinjaTrader(' ES 3-2026 ')).toBe('ESH2026');
    expect(fromNinjaTrader('MNQ 13-25')).toBe('MNQ 13-25');
    expect(fromNinjaTrader('MNQ1!')).toBe('MNQ1!');
  });

  it('an expired NinjaTrader contract is refused with the fix', () => {
    const r = resolveAlertTicker('MNQ 12-24', NOW);
    expect(r).toMatchObject({ ok: false });
    expect(r.ok ? '' : r.error).toMatch(/has expired — use MNQ1!/);
  });

  it('an unknown instrument names the field and the accepted roots', async () => {
    const r = await intakeAlert({ body: '{"symbol":"DOGEUSDT","action":"buy"}', receivedAt: NOW });
    expect(r).toMatchObject({ ok: false, status: 422, field: 'symbol' });
    const error = r.ok ? '' : r.error;
    expect(error).toContain('DOGEUSDT');
    for (const root of SUPPORTED_SYMBOLS) expect(error).toContain(root);
  });

  it('a NinjaTrader spelling works in a whole alert', async () => {
    const r = await intakeAlert({ body: 'ticker=MNQ 06-25 action=buy', receivedAt: NOW });
    expect(r).toMatchObject({
      ok: true,
      alert: { symbol: 'MNQ', contractMonth: { month: 'M', year: 2025 } },
    });
  });
});
