import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getInstrument, INSTRUMENTS } from '../../src/domain/instruments.ts';
import { pnlDollars, pnlTicks, roundCents, volumeWeightedPrice } from '../../src/domain/pnl.ts';

const es = getInstrument('ES')!;
const cl = getInstrument('CL')!;

describe('pnlDollars', () => {
  it('long ES 4500 → 4502.25 × 2 = 9 ticks × $12.50 × 2 = $225', () => {
    expect(pnlDollars('long', 4500, 4502.25, 2, es)).toBe(225);
  });
  it('short mirrors the sign', () => {
    expect(pnlDollars('short', 4500, 4502.25, 2, es)).toBe(-225);
    expect(pnlDollars('short', 4500, 4500, 3, es)).toBe(0);
  });
  it('counts whole ticks where float subtraction would leave dust (CL 0.01 ticks)', () => {
    // 71.07 − 70.98 = 0.0899999999999892 in binary floats; it is 9 ticks × $10.
    expect(pnlDollars('long', 70.98, 71.07, 1, cl)).toBe(90);
    expect(pnlTicks('long', 70.98, 71.07, cl)).toBe(9);
  });
  it('prices a volume-weighted entry in fractional ticks', () => {
    const entry = volumeWeightedPrice([
      { price: 4500, quantity: 1 },
      { price: 4499.5, quantity: 1 },
    ])!;
    expect(entry).toBe(4499.75);
    expect(pnlDollars('long', entry, 4501, 2, es)).toBe(125);
    const uneven = volumeWeightedPrice([
      { price: 4500, quantity: 2 },
      { price: 4499.75, quantity: 1 },
    ])!;
    expect(roundCents(pnlDollars('long', uneven, 4501, 3, es))).toBe(162.5);
  });
  it('is antisymmetric between sides and exact on every instrument grid', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INSTRUMENTS),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: -5000, max: 5000 }),
        fc.integer({ min: 1, max: 50 }),
        (instrument, entryTicks, move, quantity) => {
          const grid = (t: number) => Number((t * instrument.tickSize).toFixed(instrument.decimals));
          const long = pnlDollars('long', grid(entryTicks), grid(entryTicks + move), quantity, instrument);
          const short = pnlDollars('short', grid(entryTicks), grid(entryTicks + move), quantity, instrument);
          return long === move * quantity * instrument.tickValue && short === -long + 0;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('volumeWeightedPrice', () => {
  it('is undefined without filled quantity', () => {
    expect(volumeWeightedPrice([])).toBeUndefined();
    expect(volumeWeightedPrice([{ price: 1, quantity: 0 }])).toBeUndefined();
  });
});

describe('roundCents', () => {
  it('rounds halves away from zero as written in decimal', () => {
    expect(roundCents(1.005)).toBe(1.01);
    expect(roundCents(-1.005)).toBe(-1.01);
    expect(roundCents(0.1 + 0.2)).toBe(0.3);
    expect(roundCents(-0.001)).toBe(0);
    expect(Object.is(roundCents(-0.001), -0)).toBe(false);
    expect(roundCents(123456.784)).toBe(123456.78);
  });
});
