import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getInstrument } from '../../src/domain/instruments.ts';
import { entryLevels } from '../../src/domain/levels.ts';
import { computeProfile, type VolumeProfile } from '../../src/domain/profile.ts';
import type { Bar } from '../../src/domain/types.ts';

const es = getInstrument('ES')!;

/** A hand-built profile: only the prices matter to the levels. */
function profile(low: number, val: number, poc: number, vah: number, high: number): VolumeProfile {
  return {
    kind: 'profile',
    low,
    high,
    rowHeight: 0.25,
    ticksPerRow: 1,
    rows: [],
    poc,
    pocRow: 0,
    vah,
    val,
    valRow: 0,
    vahRow: 0,
    valueAreaVolume: 0,
    totalVolume: 0,
  };
}

describe('entryLevels', () => {
  const p = profile(4000, 4002, 4005.125, 4008, 4010);

  it('long: entry VAL, stop below by the buffer, TP1 POC rounded toward the entry, TP2 VAH, TP3 high', () => {
    expect(entryLevels(p, 'long', es, 4)).toEqual({
      ok: true,
      levels: { side: 'long', entryPrice: 4002, stopPrice: 4001, tp1: 4005, tp2: 4008, tp3: 4010 },
    });
  });

  it('short mirrors: entry VAH, stop above, TP1 POC rounded toward the entry, TP2 VAL, TP3 low', () => {
    expect(entryLevels(p, 'short', es, 2)).toEqual({
      ok: true,
      levels: { side: 'short', entryPrice: 4008, stopPrice: 4008.5, tp1: 4005.25, tp2: 4002, tp3: 4000 },
    });
  });

  it('rejects a value area that reaches the profile high for a long (TP2 = TP3)', () => {
    const result = entryLevels(profile(4000, 4002, 4005, 4010, 4010), 'long', es, 4);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('TP3 (high) 4010 is not above TP2 (VAH) 4010');
      expect(result.reason).toContain('too narrow or lopsided');
    }
  });

  it('rejects a POC that rounds onto the entry', () => {
    const result = entryLevels(profile(4000, 4002, 4002.125, 4004, 4006), 'long', es, 4);
    expect(result.ok === false && result.reason).toContain('TP1 (POC) 4002 is not above entry 4002');
  });

  it('rejects a stop buffer below one tick, naming the field', () => {
    const result = entryLevels(p, 'long', es, 0);
    expect(result.ok === false && result.reason).toContain('stopBufferTicks 0');
  });

  it('levels from real profiles are strictly ordered and on the grid whenever they are accepted', () => {
    const bars = fc.array(
      fc.record({
        lowTicks: fc.integer({ min: 0, max: 200 }),
        span: fc.integer({ min: 0, max: 40 }),
        volume: fc.integer({ min: 0, max: 1000 }),
        up: fc.boolean(),
      }),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(
        bars,
        fc.constantFrom('long' as const, 'short' as const),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 40 }),
        (specs, side, buffer, rows) => {
          const input: Bar[] = specs.map((s, i) => {
            const low = 5000 + s.lowTicks * 0.25;
            const high = low + s.span * 0.25;
            return { ts: i, open: s.up ? low : high, close: s.up ? high : low, low, high, volume: s.volume };
          });
          const result = computeProfile(input, { tickSize: 0.25, layout: { rows } });
          if (result.kind !== 'profile') return true;
          const levels = entryLevels(result, side, es, buffer);
          if (!levels.ok) return levels.reason.length > 0;
          const { stopPrice, entryPrice, tp1, tp2, tp3 } = levels.levels;
          const ordered =
            side === 'long' ? [stopPrice, entryPrice, tp1, tp2, tp3] : [tp3, tp2, tp1, entryPrice, stopPrice];
          for (let i = 1; i < ordered.length; i++) expect(ordered[i]!).toBeGreaterThan(ordered[i - 1]!);
          for (const price of ordered)
            expect(price).toBe(Number((Math.round(price / 0.25) * 0.25).toFixed(2)));
          expect(Math.abs(entryPrice - stopPrice)).toBeCloseTo(buffer * 0.25, 9);
          // A target is never further away than the profile says.
          expect(Math.abs(tp1 - entryPrice)).toBeLessThanOrEqual(Math.abs(result.poc - entryPrice) + 1e-9);
          return true;
        },
      ),
      { numRuns: 1500 },
    );
  });
});
