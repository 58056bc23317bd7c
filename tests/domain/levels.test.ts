import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { getInstrument } from '../../src/domain/instruments.ts';
import { DEFAULT_TARGETS, entryLevels, type TargetSettings } from '../../src/domain/levels.ts';
import { computeProfile, type VolumeProfile } from '../../src/domain/profile.ts';
import { TARGET_CHOICES, type TargetChoice } from '../../src/domain/settings.ts';
import { fromTicks, type TickGrid } from '../../src/domain/ticks.ts';
import type { Bar } from '../../src/domain/types.ts';

const es = getInstrument('ES')!;
const gc = getInstrument('GC')!;
const cl = getInstrument('CL')!;

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

const targets = (
  tp1Target: TargetChoice,
  tp2Target: TargetChoice,
  tp3Target: TargetChoice,
): TargetSettings => ({
  tp1Target,
  tp2Target,
  tp3Target,
});

describe('entryLevels with chosen targets (tp1Target, tp2Target, tp3Target)', () => {
  // Entry 4002 (long) or 4008 (short); a 2-tick buffer makes 1R half a point.
  const p = profile(4000, 4002, 4005.125, 4008, 4010);

  it('the default targets are the POC, the far value edge and the profile extreme', () => {
    expect(DEFAULT_TARGETS).toEqual(targets('poc', 'value_edge', 'profile_extreme'));
    for (const side of ['long', 'short'] as const)
      expect(entryLevels(p, side, es, 2, DEFAULT_TARGETS)).toEqual(entryLevels(p, side, es, 2));
  });

  it.each([
    ['poc', 'value_edge', 'profile_extreme', [4005, 4008, 4010]],
    ['r1', 'r2', 'r3', [4002.5, 4003, 4003.5]],
    ['r1', 'poc', 'value_edge', [4002.5, 4005, 4008]],
    ['r2', 'value_edge', 'profile_extreme', [4003, 4008, 4010]],
    ['r3', 'poc', 'profile_extreme', [4003.5, 4005, 4010]],
  ] as const)('long with targets %s, %s, %s: TP1, TP2, TP3 at %o', (a, b, c, [tp1, tp2, tp3]) => {
    expect(entryLevels(p, 'long', es, 2, targets(a, b, c))).toEqual({
      ok: true,
      levels: { side: 'long', entryPrice: 4002, stopPrice: 4001.5, tp1, tp2, tp3 },
    });
  });

  it.each([
    ['poc', 'value_edge', 'profile_extreme', [4005.25, 4002, 4000]],
    ['r1', 'r2', 'r3', [4007.5, 4007, 4006.5]],
    ['r1', 'poc', 'value_edge', [4007.5, 4005.25, 4002]],
    ['r2', 'value_edge', 'profile_extreme', [4007, 4002, 4000]],
    ['r3', 'poc', 'profile_extreme', [4006.5, 4005.25, 4000]],
  ] as const)(
    'short with targets %s, %s, %s: TP1, TP2, TP3 at %o (the POC rounds toward the entry)',
    (a, b, c, [tp1, tp2, tp3]) => {
      expect(entryLevels(p, 'short', es, 2, targets(a, b, c))).toEqual({
        ok: true,
        levels: { side: 'short', entryPrice: 4008, stopPrice: 4008.5, tp1, tp2, tp3 },
      });
    },
  );

  it('an R target may lie beyond the profile', () => {
    // 12 ticks of risk: 3R is 9 points above the entry, past the profile high.
    const result = entryLevels(p, 'long', es, 12, targets('poc', 'value_edge', 'r3'));
    expect(result.ok && result.levels).toMatchObject({ stopPrice: 3999, tp3: 4011 });
  });

  it('R targets are whole ticks from the entry, canonical on grids that floats do not add exactly', () => {
    // GC (0.1): entry 1800.3 and 3 ticks of risk; 1800.3 + 0.3 in floats is 1800.6000000000001.
    const gold = entryLevels(
      profile(1799, 1800.3, 1802, 1803, 1805),
      'long',
      gc,
      3,
      targets('r1', 'r2', 'r3'),
    );
    expect(gold.ok && gold.levels).toMatchObject({ stopPrice: 1800, tp1: 1800.6, tp2: 1800.9, tp3: 1801.2 });
    // CL (0.01), short: entry 71.07 and 7 ticks of risk.
    const crude = entryLevels(
      profile(70, 70.5, 70.8, 71.07, 71.5),
      'short',
      cl,
      7,
      targets('r1', 'r2', 'r3'),
    );
    expect(crude.ok && crude.levels).toMatchObject({ stopPrice: 71.14, tp1: 71, tp2: 70.93, tp3: 70.86 });
  });

  it('refuses targets out of order, naming both chosen targets and the levels (TP1 at 3R beyond TP2 at the POC)', () => {
    // 8 ticks of risk: 3R is 4008, above the POC at 4005.
    const result = entryLevels(p, 'long', es, 8, targets('r3', 'poc', 'profile_extreme'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain(
      'long levels are not strictly ordered: TP2 (POC) 4005 is not above TP1 (3R) 4008',
    );
    expect(result.reason).toContain('tp2Target poc does not lie beyond tp1Target r3 on this profile');
    expect(result.reason).toContain('choose targets that step away from the entry in order');
  });

  it('refuses two rungs on the same target (a short with TP2 and TP3 both at the value edge)', () => {
    const result = entryLevels(p, 'short', es, 2, targets('poc', 'value_edge', 'value_edge'));
    expect(result.ok === false && result.reason).toContain(
      'TP3 (VAL) 4002 is not below TP2 (VAL) 4002 (profile low 4000, VAL 4002, POC 4005.125, VAH 4008, high 4010); ' +
        'tp3Target value_edge does not lie beyond tp2Target value_edge on this profile',
    );
  });

  it('keeps the profile wording when the default targets are out of order', () => {
    const result = entryLevels(profile(4000, 4002, 4005, 4010, 4010), 'long', es, 4, DEFAULT_TARGETS);
    expect(result.ok === false && result.reason).toMatch(
      /TP3 \(high\) 4010 is not above TP2 \(VAH\) 4010 .*; the profile is too narrow or lopsided to trade$/,
    );
  });

  it('refuses an unknown target with the choices instead of throwing', () => {
    const result = entryLevels(p, 'long', es, 4, { ...DEFAULT_TARGETS, tp2Target: 'r4' as TargetChoice });
    expect(result).toEqual({
      ok: false,
      reason: 'tp2Target "r4" is not a target; use one of poc, value_edge, profile_extreme, r1, r2, r3',
    });
  });

  it('accepted levels are strictly ordered and on the grid for random profiles, grids and target choices', () => {
    const choice = fc.constantFrom(...TARGET_CHOICES);
    const grids = fc.constantFrom<TickGrid>(es, gc, cl);
    const bars = fc.array(
      fc.record({
        lowTicks: fc.integer({ min: 0, max: 200 }),
        span: fc.integer({ min: 0, max: 40 }),
        volume: fc.integer({ min: 0, max: 1000 }),
        up: fc.boolean(),
      }),
      { minLength: 1, maxLength: 30 },
    );
    let accepted = 0;
    let refusedForOrder = 0;
    fc.assert(
      fc.property(
        bars,
        grids,
        fc.constantFrom('long' as const, 'short' as const),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 40 }),
        fc.tuple(choice, choice, choice),
        (specs, grid, side, buffer, rows, [tp1Target, tp2Target, tp3Target]) => {
          const base = 5000 / grid.tickSize;
          const input: Bar[] = specs.map((s, i) => {
            const low = fromTicks(base + s.lowTicks, grid);
            const high = fromTicks(base + s.lowTicks + s.span, grid);
            return { ts: i, open: s.up ? low : high, close: s.up ? high : low, low, high, volume: s.volume };
          });
          const result = computeProfile(input, {
            tickSize: grid.tickSize,
            decimals: grid.decimals,
            layout: { rows },
          });
          if (result.kind !== 'profile') return true;
          const chosen = { tp1Target, tp2Target, tp3Target };
          const levels = entryLevels(result, side, grid, buffer, chosen);
          if (!levels.ok) {
            expect(levels.reason).toMatch(/^(long|short) levels are not strictly ordered: /);
            const rungs = /TP(\d) \(.*\) \S+ is not (above|below) TP(\d) /.exec(levels.reason);
            if (rungs) {
              refusedForOrder++;
              const outer = `tp${rungs[1]}Target` as const;
              const inner = `tp${rungs[3]}Target` as const;
              const keys = { tp1Target, tp2Target, tp3Target } as Record<string, TargetChoice>;
              if (
                keys[outer] !== DEFAULT_TARGETS[outer as keyof TargetSettings] ||
                keys[inner] !== DEFAULT_TARGETS[inner as keyof TargetSettings]
              )
                expect(levels.reason).toContain(
                  `${outer} ${keys[outer]} does not lie beyond ${inner} ${keys[inner]}`,
                );
            }
            return true;
          }
          accepted++;
          const { stopPrice, entryPrice, tp1, tp2, tp3 } = levels.levels;
          const ordered =
            side === 'long' ? [stopPrice, entryPrice, tp1, tp2, tp3] : [tp3, tp2, tp1, entryPrice, stopPrice];
          for (let i = 1; i < ordered.length; i++) expect(ordered[i]!).toBeGreaterThan(ordered[i - 1]!);
          for (const price of ordered) expect(price).toBe(fromTicks(Math.round(price / grid.tickSize), grid));
          // An R target is exactly that many risks from the entry, in whole ticks.
          const entryTicks = Math.round(entryPrice / grid.tickSize);
          const direction = side === 'long' ? 1 : -1;
          [tp1, tp2, tp3].forEach((price, i) => {
            const target = [tp1Target, tp2Target, tp3Target][i]!;
            if (target.startsWith('r'))
              expect(price).toBe(fromTicks(entryTicks + direction * Number(target.slice(1)) * buffer, grid));
          });
          return true;
        },
      ),
      { numRuns: 2000 },
    );
    // The run exercised both outcomes.
    expect(accepted).toBeGreaterThan(100);
    expect(refusedForOrder).toBeGreaterThan(100);
  });
});
