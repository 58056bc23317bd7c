/**
 * Differential test: computeProfile against a deliberately plain transcription of vpvr.md (no typed
 * arrays, no tolerance, row search by brute force) over every lookback window of the real ES and GC
 * minutes and over random bars.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeProfile } from '../../src/domain/profile.ts';
import type { Bar } from '../../src/domain/types.ts';
import { ES_BARS_FILE, GC_BARS_FILE, loadBars, missingData } from './market-data.ts';

interface Reference {
  ticksPerRow: number;
  rowCount: number;
  pocRow: number;
  valRow: number;
  vahRow: number;
  totals: number[];
}

function referenceProfile(
  bars: readonly Bar[],
  tickSize: number,
  rows: number,
  percent: number,
): Reference | undefined {
  const lows = bars.map((b) => Math.round(b.low / tickSize));
  const highs = bars.map((b) => Math.round(b.high / tickSize));
  const low = Math.min(...lows);
  const span = Math.max(...highs) - low;
  // Brute force: every whole ticks-per-row from 1 to span, keep the row count closest to `rows`,
  // among those only floor/ceil of span/rows are allowed, smaller first on a tie.
  let ticksPerRow = 1;
  if (span > 0) {
    const candidates = [Math.max(1, Math.floor(span / rows)), Math.max(1, Math.ceil(span / rows))];
    let best = Number.POSITIVE_INFINITY;
    for (const t of candidates) {
      const miss = Math.abs(Math.ceil(span / t) - rows);
      if (miss < best) {
        best = miss;
        ticksPerRow = t;
      }
    }
  }
  const rowCount = span === 0 ? 1 : Math.ceil(span / ticksPerRow);
  const rowOf = (ticks: number) =>
    Math.min(rowCount - 1, Math.max(0, Math.floor((ticks - low) / ticksPerRow)));
  // Exact arithmetic: each bar's volume is split evenly over its rows, so every row total is a
  // multiple of 1/D, D the least common multiple of the row counts. Totals are kept as BigInt
  // numerators over D: no rounding can flip a tie or the value-area target test.
  const spans = bars.map((_, i) => BigInt(rowOf(highs[i]!) - rowOf(lows[i]!) + 1));
  const D = spans.reduce((l, n) => (l * n) / gcd(l, n), 1n);
  const exact = new Array<bigint>(rowCount).fill(0n);
  bars.forEach((bar, i) => {
    if (!Number.isInteger(bar.volume)) throw new Error(`bar ${i}: the reference needs whole volumes`);
    if (bar.volume === 0) return;
    const first = rowOf(lows[i]!);
    const last = rowOf(highs[i]!);
    for (let r = first; r <= last; r++) exact[r]! += (BigInt(bar.volume) * D) / spans[i]!;
  });
  const total = BigInt(bars.reduce((sum, b) => sum + b.volume, 0)) * D;
  if (total === 0n) return undefined;
  const middle = (rowCount - 1) / 2;
  const order = exact
    .map((volume, row) => ({ volume, row }))
    .sort(
      (a, b) =>
        (b.volume > a.volume ? 1 : b.volume < a.volume ? -1 : 0) ||
        Math.abs(a.row - middle) - Math.abs(b.row - middle) ||
        a.row - b.row,
    );
  const pocRow = order[0]!.row;
  let valRow = pocRow;
  let vahRow = pocRow;
  let accumulated = exact[pocRow]!;
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  // accumulated < total × percent / 100, without dividing.
  while (accumulated * 100n < total * BigInt(percent) && (valRow > 0 || vahRow < rowCount - 1)) {
    const above = exact.slice(vahRow + 1, vahRow + 3);
    const below = exact.slice(Math.max(0, valRow - 2), valRow);
    const upSum = sum(above);
    const downSum = sum(below);
    if (above.length > 0 && (below.length === 0 || upSum >= downSum)) {
      vahRow += above.length;
      accumulated += upSum;
    } else {
      valRow -= below.length;
      accumulated += downSum;
    }
  }
  const totals = exact.map((t) => Number(t) / Number(D));
  return { ticksPerRow, rowCount, pocRow, valRow, vahRow, totals };
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

function compare(bars: readonly Bar[], tickSize: number, rows: number, percent: number): void {
  const expected = referenceProfile(bars, tickSize, rows, percent);
  const actual = computeProfile(bars, { tickSize, layout: { rows }, valueAreaPercent: percent });
  if (expected === undefined) {
    expect(actual.kind).toBe('empty');
    return;
  }
  if (actual.kind !== 'profile') throw new Error(actual.reason);
  expect({
    ticksPerRow: actual.ticksPerRow,
    rowCount: actual.rows.length,
    pocRow: actual.pocRow,
    valRow: actual.valRow,
    vahRow: actual.vahRow,
  }).toEqual({
    ticksPerRow: expected.ticksPerRow,
    rowCount: expected.rowCount,
    pocRow: expected.pocRow,
    valRow: expected.valRow,
    vahRow: expected.vahRow,
  });
  for (let i = 0; i < actual.rows.length; i++)
    expect(actual.rows[i]!.total).toBeCloseTo(expected.totals[i]!, 6);
}

describe('computeProfile ≡ a plain transcription of vpvr.md', () => {
  for (const [symbol, file, tickSize] of [
    ['ES', ES_BARS_FILE, 0.25],
    ['GC', GC_BARS_FILE, 0.1],
  ] as const) {
    const missing = missingData(file);
    it.skipIf(missing !== undefined)(
      `on every 240-minute window of the ${symbol} file, 24 and 30 rows${missing ? ` (skipped: ${missing})` : ''}`,
      () => {
        const bars = loadBars(file);
        for (let end = 240; end <= bars.length; end += 60) {
          const window = bars.slice(end - 240, end);
          compare(window, tickSize, 24, 70);
          compare(window, tickSize, 30, 68);
        }
      },
    );
  }

  it('stops the value area exactly at its target, where a float sum would step one pair past it', () => {
    // Found by the random property: 201 contracts over 25 rows, 84 %: rows 4..24 hold exactly the target.
    const bar: Bar = { ts: 0, open: 1002.5, close: 1000, high: 1002.5, low: 1000, volume: 201 };
    compare([bar], 0.1, 19, 84);
    const profile = computeProfile([bar], { tickSize: 0.1, layout: { rows: 19 }, valueAreaPercent: 84 });
    expect(profile).toMatchObject({ kind: 'profile', pocRow: 12, valRow: 4, vahRow: 24 });
  });

  it('on random integer-volume bars', () => {
    const bars = fc.array(
      fc.record({
        low: fc.integer({ min: 0, max: 300 }),
        span: fc.integer({ min: 0, max: 50 }),
        volume: fc.integer({ min: 0, max: 10_000 }),
        up: fc.boolean(),
      }),
      { minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(
        bars,
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        (specs, rows, percent) => {
          const input = specs.map((s, i): Bar => {
            const low = 1000 + s.low * 0.1;
            const high = low + s.span * 0.1;
            return { ts: i, open: s.up ? low : high, close: s.up ? high : low, high, low, volume: s.volume };
          });
          compare(input, 0.1, rows, percent);
          return true;
        },
      ),
      { numRuns: 1000 },
    );
  });
});
