import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getInstrument, INSTRUMENTS } from '../../src/domain/instruments.ts';
import { sizePosition } from '../../src/domain/sizing.ts';

const es = getInstrument('ES')!;
const mnq = getInstrument('MNQ')!;

describe('sizePosition without DCA', () => {
  it('contracts = floor(risk ÷ (stop ticks × tick value))', () => {
    // 12 ticks × $12.50 = $150 per contract; $500 → 3 contracts, $450 at risk.
    const result = sizePosition({
      side: 'long',
      entryPrice: 4500,
      stopPrice: 4497,
      instrument: es,
      riskDollars: 500,
      maxContracts: 10,
    });
    expect(result).toEqual({
      ok: true,
      size: { legs: [{ price: 4500, quantity: 3 }], quantity: 3, riskDollars: 450 },
    });
  });

  it('an exact multiple is allowed (no float wobble): $300 for two $150 contracts', () => {
    const result = sizePosition({
      side: 'short',
      entryPrice: 4500,
      stopPrice: 4503,
      instrument: es,
      riskDollars: 300,
      maxContracts: 10,
    });
    expect(result.ok && result.size.quantity).toBe(2);
  });

  it('caps at maxContracts', () => {
    const result = sizePosition({
      side: 'long',
      entryPrice: 20000,
      stopPrice: 19999,
      instrument: mnq,
      riskDollars: 1000,
      maxContracts: 5,
    });
    expect(result.ok && result.size).toEqual({
      legs: [{ price: 20000, quantity: 5 }],
      quantity: 5,
      riskDollars: 10,
    });
  });

  it('rejects when one contract risks more than the budget, with the numbers', () => {
    const result = sizePosition({
      side: 'long',
      entryPrice: 4500,
      stopPrice: 4497,
      instrument: es,
      riskDollars: 100,
      maxContracts: 5,
    });
    expect(result).toEqual({
      ok: false,
      reason:
        "risk $100 is less than one contract's risk $150 (12 ticks × $12.50 from entry 4500 to stop 4497); " +
        'raise riskPerTrade or use a tighter stop or a micro contract',
    });
  });

  it('rejects a stop on the wrong side of the entry', () => {
    const result = sizePosition({
      side: 'long',
      entryPrice: 4500,
      stopPrice: 4500.5,
      instrument: es,
      riskDollars: 500,
      maxContracts: 5,
    });
    expect(result.ok === false && result.reason).toContain('below the long entry');
  });

  it('rejects bad settings by field name', () => {
    const base = {
      side: 'long' as const,
      entryPrice: 4500,
      stopPrice: 4497,
      instrument: es,
      riskDollars: 500,
      maxContracts: 5,
    };
    expect(sizePosition({ ...base, riskDollars: 0 }).ok === false).toBe(true);
    const max = sizePosition({ ...base, maxContracts: 1.5 });
    expect(max.ok === false && max.reason).toContain('maxContracts');
    const fraction = sizePosition({ ...base, dcaLevels: [{ fraction: 1, sizeShare: 0.2 }] });
    expect(fraction.ok === false && fraction.reason).toContain('dcaLevels[0].fraction');
    const share = sizePosition({
      ...base,
      dcaLevels: [
        { fraction: 0.5, sizeShare: 0.6 },
        { fraction: 0.7, sizeShare: 0.4 },
      ],
    });
    expect(share.ok === false && share.reason).toContain('add up to 1');
  });
});

describe('sizePosition with a DCA ladder', () => {
  it('places rungs between entry and stop and keeps the total risk within the budget', () => {
    // Long ES 4500, stop 4495 (20 ticks, $250 per contract at the entry).
    // Rung at 0.5 → 10 ticks (4497.50, $125 per contract). Share 0.5.
    // N=6: rung 3, main 3 → 3×250 + 3×125 = $1125 > 1000; N=5: rung 2, main 3 → 750 + 250 = $1000 ✓.
    const result = sizePosition({
      side: 'long',
      entryPrice: 4500,
      stopPrice: 4495,
      instrument: es,
      riskDollars: 1000,
      maxContracts: 10,
      dcaLevels: [{ fraction: 0.5, sizeShare: 0.5 }],
    });
    expect(result).toEqual({
      ok: true,
      size: {
        legs: [
          { price: 4500, quantity: 3 },
          { price: 4497.5, quantity: 2 },
        ],
        quantity: 5,
        riskDollars: 1000,
      },
    });
  });

  it('short rungs sit above the entry, nearest first; rungs rounding to the same tick merge', () => {
    const result = sizePosition({
      side: 'short',
      entryPrice: 100,
      stopPrice: 100.4,
      instrument: getInstrument('GC')!,
      riskDollars: 1000,
      maxContracts: 10,
      dcaLevels: [
        { fraction: 0.7, sizeShare: 0.2 },
        { fraction: 0.24, sizeShare: 0.1 },
        { fraction: 0.26, sizeShare: 0.1 },
      ],
    });
    // 4 ticks: 0.24 and 0.26 → 1 tick (merged, share 0.2); 0.7 → 3 ticks.
    expect(result.ok && result.size.legs).toEqual([
      { price: 100, quantity: 6 },
      { price: 100.1, quantity: 2 },
      { price: 100.3, quantity: 2 },
    ]);
  });

  it('refuses DCA legs when the stop is one tick away', () => {
    const result = sizePosition({
      side: 'long',
      entryPrice: 4500,
      stopPrice: 4499.75,
      instrument: es,
      riskDollars: 1000,
      maxContracts: 10,
      dcaLevels: [{ fraction: 0.5, sizeShare: 0.3 }],
    });
    expect(result.ok === false && result.reason).toContain('no room for DCA legs');
  });

  it('never exceeds the dollar risk or max contracts; legs are on the grid, strictly between entry and stop', () => {
    const dca = fc.array(
      fc.record({
        fraction: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        sizeShare: fc.double({ min: 0.01, max: 0.3, noNaN: true }),
      }),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...INSTRUMENTS),
        fc.constantFrom('long' as const, 'short' as const),
        fc.integer({ min: 1000, max: 100_000 }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 50 }),
        dca,
        (instrument, side, entryTicks, stopTicks, risk, maxContracts, dcaLevels) => {
          const grid = (t: number) => Number((t * instrument.tickSize).toFixed(instrument.decimals));
          const direction = side === 'long' ? 1 : -1;
          const entryPrice = grid(entryTicks);
          const stopPrice = grid(entryTicks - direction * stopTicks);
          const result = sizePosition({
            side,
            entryPrice,
            stopPrice,
            instrument,
            riskDollars: risk,
            maxContracts,
            dcaLevels,
          });
          if (!result.ok) {
            // Rejected only when one contract (or the ladder) cannot fit.
            expect(result.reason.length).toBeGreaterThan(0);
            if (dcaLevels.length === 0) expect(stopTicks * instrument.tickValue).toBeGreaterThan(risk);
            return true;
          }
          const { legs, quantity, riskDollars } = result.size;
          expect(quantity).toBeLessThanOrEqual(maxContracts);
          expect(legs.reduce((s, l) => s + l.quantity, 0)).toBe(quantity);
          expect(legs[0]!.price).toBe(entryPrice);
          let cents = 0;
          for (const leg of legs) {
            expect(leg.quantity).toBeGreaterThan(0);
            const ticksToStop = Math.round(((leg.price - stopPrice) * direction) / instrument.tickSize);
            expect(ticksToStop).toBeGreaterThan(0);
            expect(ticksToStop).toBeLessThanOrEqual(stopTicks);
            expect(leg.price).toBe(grid(Math.round(leg.price / instrument.tickSize)));
            cents += ticksToStop * Math.round(instrument.tickValue * 100) * leg.quantity;
          }
          for (const leg of legs.slice(1)) expect(leg.price).not.toBe(entryPrice);
          expect(cents / 100).toBe(riskDollars);
          expect(riskDollars).toBeLessThanOrEqual(risk);
          if (dcaLevels.length === 0) {
            // Maximal: one more contract would break the budget or the cap.
            expect(
              quantity === maxContracts || (quantity + 1) * stopTicks * instrument.tickValue > risk + 1e-9,
            ).toBe(true);
          }
          return true;
        },
      ),
      { numRuns: 2000 },
    );
  });
});
