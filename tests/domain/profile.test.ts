import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeProfile,
  roundLevelToTick,
  ticksPerRowForCount,
  type VolumeProfile,
} from '../../src/domain/profile.ts';
import type { Bar } from '../../src/domain/types.ts';

const bar = (open: number, high: number, low: number, close: number, volume: number, ts = 0): Bar => ({
  ts,
  open,
  high,
  low,
  close,
  volume,
});

function expectProfile(result: ReturnType<typeof computeProfile>): VolumeProfile {
  if (result.kind !== 'profile') throw new Error(`expected a profile, got ${result.kind}: ${result.reason}`);
  return result;
}

describe('computeProfile: the worked check in vpvr.md', () => {
  const bars = [bar(10.25, 10.5, 10.25, 10.5, 200), bar(11, 11, 10, 10, 80), bar(10.75, 11, 10.75, 11, 40)];
  const profile = expectProfile(computeProfile(bars, { tickSize: 0.25, layout: { rows: 4 } }));

  it('lays out four one-tick rows with the top row including the high', () => {
    expect(profile.ticksPerRow).toBe(1);
    expect(profile.rowHeight).toBe(0.25);
    expect(profile.rows.map((r) => [r.bottom, r.top])).toEqual([
      [10, 10.25],
      [10.25, 10.5],
      [10.5, 10.75],
      [10.75, 11],
    ]);
  });

  it('splits each bar evenly into up and down volume', () => {
    expect(profile.rows.map((r) => r.up)).toEqual([0, 100, 100, 40]);
    expect(profile.rows.map((r) => r.down)).toEqual([20, 20, 20, 20]);
    expect(profile.rows.map((r) => r.total)).toEqual([20, 120, 120, 60]);
    expect(profile.totalVolume).toBe(320);
  });

  it('breaks the POC tie toward the lower of two rows equally near the middle', () => {
    expect(profile.pocRow).toBe(1);
    expect(profile.poc).toBe(10.375);
  });

  it('grows the value area by the heavier pair: rows 1–3, VAL 10.25, VAH 11.00', () => {
    expect(profile.valRow).toBe(1);
    expect(profile.vahRow).toBe(3);
    expect(profile.val).toBe(10.25);
    expect(profile.vah).toBe(11);
    expect(profile.valueAreaVolume).toBe(300);
    expect(profile.low).toBe(10);
    expect(profile.high).toBe(11);
  });

  it('the one-row variant adds a single row at a time', () => {
    const oneRow = expectProfile(
      computeProfile(bars, { tickSize: 0.25, layout: { rows: 4 }, valueAreaRule: 'oneRow' }),
    );
    // From row 1 (120): up row 2 (120) vs down row 0 (20) → row 2, acc 240 ≥ 224.
    expect([oneRow.valRow, oneRow.vahRow]).toEqual([1, 2]);
    expect([oneRow.val, oneRow.vah]).toEqual([10.25, 10.75]);
    expect(oneRow.valueAreaVolume).toBe(240);
  });
});

describe('value area tie', () => {
  it('on equal pair sums adds the upper pair', () => {
    // Tick 1, rows [0,1) [1,2) [2,3) [3,4) [4,5]; totals 10, 10, 50, 10, 10; target 63.
    const bars = [0, 1, 2, 2, 2, 2, 2, 3, 5].map((price) => bar(price, price, price, price, 10));
    const profile = expectProfile(computeProfile(bars, { tickSize: 1, layout: { rows: 5 } }));
    expect(profile.rows.map((r) => r.total)).toEqual([10, 10, 50, 10, 10]);
    expect([profile.valRow, profile.vahRow, profile.val, profile.vah]).toEqual([2, 4, 2, 5]);
  });
});

describe('row layout', () => {
  it('follows TradingView: 100 ticks and 30 rows → 3 ticks per row and 34 rows', () => {
    expect(ticksPerRowForCount(100, 30)).toBe(3);
    const profile = expectProfile(
      computeProfile([bar(100, 125, 100, 125, 10)], { tickSize: 0.25, layout: { rows: 30 } }),
    );
    expect(profile.rows).toHaveLength(34);
    expect(profile.rows.at(-1)).toMatchObject({ bottom: 124.75, top: 125 });
  });

  it('asking for 24 rows over 100 ticks gives 25 rows of 4 ticks', () => {
    expect(ticksPerRowForCount(100, 24)).toBe(4);
    const profile = expectProfile(computeProfile([bar(100, 125, 100, 125, 10)], { tickSize: 0.25 }));
    expect(profile.rows).toHaveLength(25);
    expect(profile.rowHeight).toBe(1);
  });

  it('keeps the smaller ticks per row on an equal miss', () => {
    // 10 ticks, 4 rows: t=2 → 5 rows (miss 1), t=3 → 4 rows (miss 0) → 3.
    expect(ticksPerRowForCount(10, 4)).toBe(3);
    // 6 ticks, 4 rows: t=1 → 6 rows (miss 2), t=2 → 3 rows (miss 1) → 2.
    expect(ticksPerRowForCount(6, 4)).toBe(2);
    // 5 ticks, 2 rows: t=2 → 3 rows (miss 1), t=3 → 2 rows (miss 0) → 3.
    expect(ticksPerRowForCount(5, 2)).toBe(3);
    // 3 ticks, 2 rows: t=1 → 3 rows (miss 1), t=2 → 2 rows (miss 0) → 2; 9 ticks 4 rows: t=2 → 5 (1), t=3 → 3 (1) → 2.
    expect(ticksPerRowForCount(9, 4)).toBe(2);
  });

  it('uses the given ticks per row and a partial top row', () => {
    const profile = expectProfile(
      computeProfile([bar(1, 2, 1, 2, 30)], { tickSize: 0.1, layout: { ticksPerRow: 3 } }),
    );
    expect(profile.rows).toHaveLength(4);
    expect(profile.rows.map((r) => [r.bottom, r.top])).toEqual([
      [1, 1.3],
      [1.3, 1.6],
      [1.6, 1.9],
      [1.9, 2],
    ]);
  });

  it('places on-grid prices in the right row despite float division (0.1 ticks)', () => {
    // 1.3 / 0.1 = 12.999999999999998 with raw division; in ticks it is exactly row 1 of 3-tick rows.
    const profile = expectProfile(
      computeProfile([bar(1, 2, 1, 2, 0), bar(1.3, 1.3, 1.3, 1.3, 9)], {
        tickSize: 0.1,
        layout: { ticksPerRow: 3 },
      }),
    );
    expect(profile.rows.map((r) => r.total)).toEqual([0, 9, 0, 0]);
  });
});

describe('degenerate ranges', () => {
  it('a flat range (span 0) is one row whose POC, VAL and VAH are that price', () => {
    const profile = expectProfile(
      computeProfile([bar(5, 5, 5, 5, 7), bar(5, 5, 5, 5, 3)], { tickSize: 0.25 }),
    );
    expect(profile.rows).toEqual([{ bottom: 5, top: 5, up: 10, down: 0, total: 10 }]);
    expect([profile.poc, profile.val, profile.vah, profile.low, profile.high]).toEqual([5, 5, 5, 5, 5]);
  });

  it('a single bar spreads evenly over every row it spans', () => {
    const profile = expectProfile(
      computeProfile([bar(101, 101, 100, 100, 40)], { tickSize: 0.25, layout: { rows: 4 } }),
    );
    expect(profile.rows.map((r) => r.down)).toEqual([10, 10, 10, 10]);
    expect(profile.pocRow).toBe(1); // all tie; rows 1 and 2 are nearest the middle; the lower wins
  });

  it('no bars gives an empty profile, not NaN', () => {
    expect(computeProfile([], { tickSize: 0.25 })).toEqual({
      kind: 'empty',
      reason: 'no bars in the profile range',
    });
  });

  it('zero total volume gives an empty profile', () => {
    const result = computeProfile([bar(1, 2, 1, 2, 0)], { tickSize: 0.25 });
    expect(result.kind).toBe('empty');
  });

  it('zero-volume bars still widen the range but add no volume', () => {
    const profile = expectProfile(
      computeProfile([bar(1, 2, 1, 2, 0), bar(1, 1, 1, 1, 5)], { tickSize: 0.25, layout: { rows: 4 } }),
    );
    expect(profile.high).toBe(2);
    expect(profile.rows.map((r) => r.total)).toEqual([5, 0, 0, 0]);
  });

  it('names the bad bar and field', () => {
    const result = computeProfile([bar(1, 2, 1, 2, 5), bar(1, 1, 2, 1, 5, 60_000)], { tickSize: 0.25 });
    expect(result).toEqual({
      kind: 'invalid',
      reason: 'bar 1 (ts 60000): low 2 is above high 1; check the column order',
    });
    const nan = computeProfile([bar(1, 2, 1, Number.NaN, 5)], { tickSize: 0.25 });
    expect(nan.kind === 'invalid' && nan.reason).toContain('close is NaN');
  });

  it('rejects bad options with the field name', () => {
    const bars = [bar(1, 2, 1, 2, 5)];
    expect(computeProfile(bars, { tickSize: 0 }).kind).toBe('invalid');
    const rows = computeProfile(bars, { tickSize: 0.25, layout: { rows: 0 } });
    expect(rows.kind === 'invalid' && rows.reason).toContain('layout.rows');
    const percent = computeProfile(bars, { tickSize: 0.25, valueAreaPercent: 120 });
    expect(percent.kind === 'invalid' && percent.reason).toContain('valueAreaPercent');
  });
});

describe('roundLevelToTick', () => {
  const grid = { tickSize: 0.25, decimals: 2 };
  it('rounds to the nearest tick', () => {
    expect(roundLevelToTick(10.3, grid, 0)).toBe(10.25);
    expect(roundLevelToTick(10.4, grid, 100)).toBe(10.5);
  });
  it('an exact half tick rounds toward the entry', () => {
    expect(roundLevelToTick(10.375, grid, 10)).toBe(10.25);
    expect(roundLevelToTick(10.375, grid, 11)).toBe(10.5);
    expect(roundLevelToTick(1313.15, { tickSize: 0.1, decimals: 1 }, 1300)).toBe(1313.1);
    expect(roundLevelToTick(1313.15, { tickSize: 0.1, decimals: 1 }, 1400)).toBe(1313.2);
  });
  it('leaves on-grid prices unchanged', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.double({ noNaN: true, min: -1e7, max: 1e7 }),
        (ticks, toward) => {
          const price = Number((ticks * 0.25).toFixed(2));
          return roundLevelToTick(price, grid, toward) === price;
        },
      ),
      { numRuns: 2000 },
    );
  });
});

/** Random bars on a 0.25 grid around 4000, with random volumes (zeros included). */
const barsArbitrary = fc
  .array(
    fc.record({
      lowTicks: fc.integer({ min: 0, max: 400 }),
      spanTicks: fc.integer({ min: 0, max: 60 }),
      openFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      closeFrac: fc.double({ min: 0, max: 1, noNaN: true }),
      volume: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((specs) =>
    specs.map((s, i): Bar => {
      const low = 4000 + s.lowTicks * 0.25;
      const high = low + s.spanTicks * 0.25;
      const at = (frac: number) => Number((low + Math.round(frac * s.spanTicks) * 0.25).toFixed(2));
      return { ts: i * 60_000, open: at(s.openFrac), high, low, close: at(s.closeFrac), volume: s.volume };
    }),
  );
const layoutArbitrary = fc.oneof(
  fc.integer({ min: 1, max: 60 }).map((rows) => ({ rows })),
  fc.integer({ min: 1, max: 20 }).map((ticksPerRow) => ({ ticksPerRow })),
);

describe('profile properties', () => {
  const settings = fc.record({
    layout: layoutArbitrary,
    valueAreaPercent: fc.integer({ min: 1, max: 100 }),
    valueAreaRule: fc.constantFrom('twoRows' as const, 'oneRow' as const),
  });

  it('conserves volume, keeps the POC at the maximum, reaches the target, orders VAL ≤ POC ≤ VAH on the grid', () => {
    fc.assert(
      fc.property(barsArbitrary, settings, (bars, options) => {
        const result = computeProfile(bars, { tickSize: 0.25, ...options });
        const volume = bars.reduce((sum, b) => sum + b.volume, 0);
        if (volume === 0) return result.kind === 'empty';
        const p = expectProfile(result);
        const rowSum = p.rows.reduce((sum, r) => sum + r.total, 0);
        expect(Math.abs(rowSum - volume)).toBeLessThanOrEqual(volume * 1e-9);
        expect(p.totalVolume).toBe(volume);
        for (const row of p.rows) expect(row.total).toBeLessThanOrEqual(p.rows[p.pocRow]!.total * (1 + 1e-9));
        const coversAll = p.valRow === 0 && p.vahRow === p.rows.length - 1;
        expect(
          coversAll || p.valueAreaVolume >= ((volume * options.valueAreaPercent) / 100) * (1 - 1e-9),
        ).toBe(true);
        const areaSum = p.rows.slice(p.valRow, p.vahRow + 1).reduce((sum, r) => sum + r.total, 0);
        expect(Math.abs(areaSum - p.valueAreaVolume)).toBeLessThanOrEqual(volume * 1e-9);
        expect(p.val).toBeLessThanOrEqual(p.poc);
        expect(p.poc).toBeLessThanOrEqual(p.vah);
        expect(p.low).toBeLessThanOrEqual(p.val);
        expect(p.vah).toBeLessThanOrEqual(p.high);
        for (const price of [p.low, p.high, p.val, p.vah, ...p.rows.flatMap((r) => [r.bottom, r.top])]) {
          expect(Number.isInteger(price / 0.25)).toBe(true);
          expect(price).toBe(Number(price.toFixed(2)));
        }
        expect(Number.isInteger((p.poc / 0.25) * 2)).toBe(true);
        if ('rows' in options.layout) {
          const span = Math.round((p.high - p.low) / 0.25);
          expect(p.ticksPerRow).toBe(ticksPerRowForCount(span, options.layout.rows));
        }
        return true;
      }),
      { numRuns: 1500 },
    );
  });

  it('does not depend on the order of the bars', () => {
    fc.assert(
      fc.property(barsArbitrary, layoutArbitrary, (bars, layout) => {
        const forward = computeProfile(bars, { tickSize: 0.25, layout });
        const backward = computeProfile([...bars].reverse(), { tickSize: 0.25, layout });
        if (forward.kind !== 'profile' || backward.kind !== 'profile') return forward.kind === backward.kind;
        return (
          forward.pocRow === backward.pocRow && forward.val === backward.val && forward.vah === backward.vah
        );
      }),
      { numRuns: 1000 },
    );
  });
});
