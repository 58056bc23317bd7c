import { describe, expect, it } from 'vitest';
import { getInstrument } from '../../src/domain/instruments.ts';
import { buildEntryPlan } from '../../src/domain/plan.ts';
import { computeProfile } from '../../src/domain/profile.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { Bar } from '../../src/domain/types.ts';
import { ES_BARS_FILE, GC_BARS_FILE, loadBars, missingData } from './market-data.ts';

const es = getInstrument('ES')!;
const bar = (open: number, high: number, low: number, close: number, volume: number): Bar => ({
  ts: 0,
  open,
  high,
  low,
  close,
  volume,
});

/** Profile 4000–4010 (40 ticks), { rows: 10 } → 4-tick rows; volume heaviest around 4004–4006. */
const bars: Bar[] = [
  bar(4000, 4010, 4000, 4010, 100), // 10 per row
  bar(4003, 4007, 4003, 4006, 900),
  bar(4004, 4006, 4004, 4005, 600),
];
const settings: BotSettings = {
  ...DEFAULT_SETTINGS,
  profileRows: 10,
  stopBufferTicks: 4,
  riskPerTrade: 500,
  maxContracts: 5,
};

describe('buildEntryPlan', () => {
  it('composes profile → levels → sizing into the EntryPlan', () => {
    const profile = computeProfile(bars, { tickSize: 0.25, layout: { rows: 10 } });
    if (profile.kind !== 'profile') throw new Error(profile.reason);
    // Rows of 1 point: 4003–4007 spreads 900 over rows 3–7, 4004–4006 spreads 600 over rows 4–6.
    expect(profile.rows.map((r) => r.total)).toEqual([10, 10, 10, 190, 390, 390, 390, 190, 10, 10]);
    // Rows 4, 5, 6 tie; 4 and 5 are equally near the middle (4.5) → the lower, row 4: POC 4004.5.
    expect(profile.pocRow).toBe(4);
    const result = buildEntryPlan({ bars, side: 'long', instrument: es, settings });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // VA: target 1120; from row 4 (390): up (5, 6) = 780 vs down (2, 3) = 200 → up → 1170. Rows 4–6.
    // Stop 4 ticks + 1 tick of stop slippage × $12.50 + $2.80 round-turn fees = $65.30 per contract:
    // $500 buys 7, capped at 5 → $326.50 at risk (the issue's example: not $250).
    expect(result.plan).toEqual({
      side: 'long',
      entryPrice: 4004,
      stopPrice: 4003,
      tp1: 4004.5,
      tp2: 4007,
      tp3: 4010,
      legs: [{ price: 4004, quantity: 5 }],
      quantity: 5,
      riskDollars: 326.5,
      poc: 4004.5,
      vah: 4007,
      val: 4004,
      profileLow: 4000,
      profileHigh: 4010,
      confirmationScore: null,
    });
  });

  it('a short mirrors the levels', () => {
    const result = buildEntryPlan({ bars, side: 'short', instrument: es, settings });
    expect(
      result.ok && [
        result.plan.entryPrice,
        result.plan.stopPrice,
        result.plan.tp1,
        result.plan.tp2,
        result.plan.tp3,
      ],
    ).toEqual([4007, 4008, 4004.5, 4004, 4000]);
  });

  it('places the targets the settings choose (1R and 2R, then the profile extreme)', () => {
    const chosen: BotSettings = {
      ...settings,
      tp1Target: 'r1',
      tp2Target: 'r2',
      tp3Target: 'profile_extreme',
    };
    const levels = (side: 'long' | 'short') => {
      const result = buildEntryPlan({ bars, side, instrument: es, settings: chosen });
      return (
        result.ok && [
          result.plan.entryPrice,
          result.plan.stopPrice,
          result.plan.tp1,
          result.plan.tp2,
          result.plan.tp3,
        ]
      );
    };
    // One point of risk (4 ticks): a long from 4004 aims at 4005 and 4006, a short from 4007 at 4006 and 4005.
    expect(levels('long')).toEqual([4004, 4003, 4005, 4006, 4010]);
    expect(levels('short')).toEqual([4007, 4008, 4006, 4005, 4000]);
  });

  it('refuses an alert whose chosen targets are out of order, naming both settings', () => {
    const result = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, tp1Target: 'r3', tp2Target: 'poc' },
    });
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toMatch(
      /^ES: long levels are not strictly ordered: TP2 \(POC\) 4004\.5 is not above TP1 \(3R\) 4007 .*; tp2Target poc does not lie beyond tp1Target r3 on this profile/,
    );
  });

  it('adds DCA legs from the settings', () => {
    const result = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, stopBufferTicks: 8, dcaLevels: [{ fraction: 0.5, sizeShare: 0.4 }] },
    });
    expect(result.ok && result.plan.legs).toEqual([
      // Stop 8 ticks below at 4002; the rung halfway at 4003. 5 contracts: 2 on the rung, 3 at the entry:
      // 3 × $100 + 2 × $50 = $400 ≤ $500 (the cap of 5 contracts binds).
      { price: 4004, quantity: 3 },
      { price: 4003, quantity: 2 },
    ]);
  });

  it('refuses with a reason when there are no bars, a degenerate profile, or too little risk budget', () => {
    const empty = buildEntryPlan({ bars: [], side: 'long', instrument: es, settings });
    expect(empty).toEqual({ ok: false, reason: 'ES volume profile: no bars in the profile range' });
    const flat = buildEntryPlan({
      bars: [bar(4000, 4000, 4000, 4000, 5)],
      side: 'long',
      instrument: es,
      settings,
    });
    expect(flat.ok === false && flat.reason).toContain('not strictly ordered');
    const poor = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, riskPerTrade: 20 },
    });
    expect(poor.ok === false && poor.reason).toContain(
      "risk $20 is less than one contract's risk $65.30 (4 ticks + 1 tick of stop slippage",
    );
    const rows = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, profileRows: 0 },
    });
    expect(rows.ok === false && rows.reason).toContain('settings.profileRows 0');
    const percent = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, valueAreaPercent: 0 },
    });
    expect(percent.ok === false && percent.reason).toContain('settings.valueAreaPercent 0');
  });

  it('scores confirmation when the long-lookback bars are given and enforces the threshold', () => {
    const longBars = [...bars, bar(4010, 4020, 4010, 4020, 5000)];
    const scored = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings,
      price: 4004,
      confirmationBars: longBars,
    });
    expect(scored.ok && scored.plan.confirmationScore).toBeGreaterThan(0);
    const score = scored.ok ? scored.plan.confirmationScore! : -1;
    const strict = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, confirmationThreshold: score + 1 },
      price: 4004,
      confirmationBars: longBars,
    });
    expect(strict.ok === false && strict.reason).toBe(
      `confirmation score ${score} is below the threshold ${score + 1}`,
    );
    const noBars = buildEntryPlan({
      bars,
      side: 'long',
      instrument: es,
      settings: { ...settings, confirmationThreshold: 50 },
    });
    expect(noBars.ok === false && noBars.reason).toContain('no confirmation bars');
  });
});

describe('buildEntryPlan on real ES and GC minutes (October 2013)', () => {
  for (const [symbol, file] of [
    ['ES', ES_BARS_FILE],
    ['GC', GC_BARS_FILE],
  ] as const) {
    const missing = missingData(file);
    it.skipIf(missing !== undefined)(
      `${symbol}: every 240-minute lookback gives an ordered plan or a reason${missing ? ` (skipped: ${missing})` : ''}`,
      () => {
        const all = loadBars(file);
        const instrument = getInstrument(symbol)!;
        let planned = 0;
        let refused = 0;
        for (let end = 240; end <= all.length; end += 30) {
          const window = all.slice(end - 240, end);
          for (const side of ['long', 'short'] as const) {
            const result = buildEntryPlan({ bars: window, side, instrument, settings: DEFAULT_SETTINGS });
            if (!result.ok) {
              expect(result.reason).toMatch(/\S/);
              refused++;
              continue;
            }
            planned++;
            const p = result.plan;
            const order =
              side === 'long'
                ? [p.stopPrice, p.entryPrice, p.tp1, p.tp2, p.tp3]
                : [p.tp3, p.tp2, p.tp1, p.entryPrice, p.stopPrice];
            for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThan(order[i - 1]!);
            expect(p.riskDollars).toBeLessThanOrEqual(DEFAULT_SETTINGS.riskPerTrade);
            expect(p.quantity).toBeLessThanOrEqual(DEFAULT_SETTINGS.maxContracts);
            expect(p.profileLow).toBeLessThanOrEqual(p.val);
            expect(p.vah).toBeLessThanOrEqual(p.profileHigh);
          }
        }
        expect(planned).toBeGreaterThan(refused);
      },
    );
  }
});
