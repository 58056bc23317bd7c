import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barPath, type Exposure, inferBarMs, PathBuffer, type PathPolicy } from '../../sim/path.ts';

const MIN = 60_000;
function points(policy: PathPolicy, o: number, h: number, l: number, c: number, exposure: Exposure = 0) {
  const out = new PathBuffer();
  const n = barPath(policy, 0, o, h, l, c, MIN, exposure, out);
  return Array.from({ length: n }, (_, i) => [out.price[i], out.ts[i]]);
}

describe('intrabar path policies', () => {
  it('direction: up bars go O→L→H→C, down bars O→H→L→C, at :00 :15 :30 :59', () => {
    expect(points('direction', 10, 12, 9, 11)).toEqual([
      [10, 0],
      [9, 15_000],
      [12, 30_000],
      [11, 59_000],
    ]);
    expect(points('direction', 11, 12, 9, 10)).toEqual([
      [11, 0],
      [12, 15_000],
      [9, 30_000],
      [10, 59_000],
    ]);
  });

  it('conservative: the extreme adverse to the exposure comes first, whatever the bar direction', () => {
    expect(points('conservative', 11, 12, 9, 10, 1).map((p) => p[0])).toEqual([11, 9, 12, 10]);
    expect(points('conservative', 10, 12, 9, 11, -1).map((p) => p[0])).toEqual([10, 12, 9, 11]);
    // Flat: falls back to the bar direction.
    expect(points('conservative', 10, 12, 9, 11, 0).map((p) => p[0])).toEqual([10, 9, 12, 11]);
  });

  it('skips a slot that repeats the previous price', () => {
    expect(points('direction', 10, 10, 10, 10)).toEqual([[10, 0]]);
    expect(points('direction', 10, 12, 10, 12)).toEqual([
      [10, 0],
      [12, 30_000],
    ]);
  });

  it('visits the open first, the close last, both extremes, in time order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 4, maxLength: 4 }),
        fc.constantFrom<PathPolicy>('conservative', 'direction'),
        fc.constantFrom<Exposure>(-1, 0, 1),
        (prices, policy, exposure) => {
          const [o, c] = [prices[0]!, prices[1]!];
          const h = Math.max(...prices);
          const l = Math.min(...prices);
          const out = new PathBuffer();
          const n = barPath(policy, 1000, o, h, l, c, MIN, exposure, out);
          const seen = Array.from(out.price.subarray(0, n));
          expect(seen[0]).toBe(o);
          expect(seen[n - 1]).toBe(c);
          expect(seen).toContain(h);
          expect(seen).toContain(l);
          for (let i = 1; i < n; i++) expect(out.ts[i]!).toBeGreaterThan(out.ts[i - 1]!);
          expect(out.ts[n - 1]!).toBeLessThan(1000 + MIN);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('infers the bar length from the most common gap', () => {
    const ts = new Float64Array([0, 60_000, 120_000, 600_000, 660_000]);
    expect(inferBarMs(ts, ts.length)).toBe(60_000);
  });
});
