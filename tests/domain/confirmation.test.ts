import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  confirmationScore,
  DEFAULT_CONFIRMATION_THRESHOLD,
  isConfirmed,
} from '../../src/domain/confirmation.ts';
import type { ProfileResult, VolumeProfile } from '../../src/domain/profile.ts';

function profile(val: number, poc: number, vah: number): VolumeProfile {
  return {
    kind: 'profile',
    low: val - 10,
    high: vah + 10,
    rowHeight: 1,
    ticksPerRow: 4,
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

const points = (c: ReturnType<typeof confirmationScore>) =>
  Object.fromEntries(c.components.map((x) => [x.name, x.points]));

describe('confirmationScore', () => {
  it('a long at both value-area lows, below both POCs, with value migrating up scores 100', () => {
    const result = confirmationScore({
      side: 'long',
      price: 100,
      shortProfile: profile(100, 105, 110),
      longProfile: profile(100, 102, 112),
    });
    expect(points(result)).toEqual({
      shortValueLocation: 30,
      longValueLocation: 30,
      roomToShortPoc: 10,
      roomToLongPoc: 10,
      valueMigration: 20,
    });
    expect(result.score).toBe(100);
  });

  it('the same picture scores 0 for a short', () => {
    const result = confirmationScore({
      side: 'short',
      price: 100,
      shortProfile: profile(100, 105, 110),
      longProfile: profile(100, 102, 112),
    });
    expect(result.score).toBe(0);
  });

  it('location is linear inside the value area; equal POCs give half the migration points', () => {
    // Short VA 100–110, price 107.5 → 25% toward the long edge → 7.5; long VA 90–110 → 12.5% → 3.75.
    // POCs 105 and 105 are below 107.5: no room. Migration level: 10. Total 21.25 → 21.
    const result = confirmationScore({
      side: 'long',
      price: 107.5,
      shortProfile: profile(100, 105, 110),
      longProfile: profile(90, 105, 110),
    });
    expect(points(result)).toEqual({
      shortValueLocation: 7.5,
      longValueLocation: 3.75,
      roomToShortPoc: 0,
      roomToLongPoc: 0,
      valueMigration: 10,
    });
    expect(result.score).toBe(21);
  });

  it('an empty profile contributes nothing and says why', () => {
    const empty: ProfileResult = { kind: 'empty', reason: 'no bars in the profile range' };
    const result = confirmationScore({
      side: 'long',
      price: 100,
      shortProfile: profile(100, 105, 110),
      longProfile: empty,
    });
    expect(result.score).toBe(40);
    expect(result.components.find((c) => c.name === 'valueMigration')?.detail).toContain('no bars');
  });

  it('is a whole number in 0–100 and mirrors between sides around a mirrored picture', () => {
    const level = fc.integer({ min: -500, max: 500 });
    fc.assert(
      fc.property(level, level, level, level, level, level, level, (price, a, b, c, d, e, f) => {
        const [sv, sp, sh] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
        const [lv, lp, lh] = [d, e, f].sort((x, y) => x - y) as [number, number, number];
        const long = confirmationScore({
          side: 'long',
          price,
          shortProfile: profile(sv, sp, sh),
          longProfile: profile(lv, lp, lh),
        });
        const short = confirmationScore({
          side: 'short',
          price: -price,
          shortProfile: profile(-sh, -sp, -sv),
          longProfile: profile(-lh, -lp, -lv),
        });
        expect(Number.isInteger(long.score) && long.score >= 0 && long.score <= 100).toBe(true);
        expect(short.score).toBe(long.score);
        return true;
      }),
      { numRuns: 1000 },
    );
  });

  it('isConfirmed compares with the threshold; 0 disables it', () => {
    expect(DEFAULT_CONFIRMATION_THRESHOLD).toBe(60);
    expect(isConfirmed({ score: 59, components: [] }, 60)).toBe(false);
    expect(isConfirmed({ score: 60, components: [] }, 60)).toBe(true);
    expect(isConfirmed({ score: 0, components: [] }, 0)).toBe(true);
  });
});
