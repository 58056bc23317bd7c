/**
 * Entry, stop and targets from a volume profile. A long buys the value-area low and targets the POC,
 * the value-area high and the profile high; a short mirrors it. Every level is on the tick grid.
 */
import type { VolumeProfile } from './profile.ts';
import { roundLevelToTick } from './profile.ts';
import { fromTicks, type TickGrid } from './ticks.ts';
import type { Side } from './types.ts';

export interface EntryLevels {
  readonly side: Side;
  readonly entryPrice: number;
  readonly stopPrice: number;
  readonly tp1: number;
  readonly tp2: number;
  readonly tp3: number;
}

export type LevelsResult =
  | { readonly ok: true; readonly levels: EntryLevels }
  | { readonly ok: false; readonly reason: string };

export function entryLevels(
  profile: VolumeProfile,
  side: Side,
  grid: TickGrid,
  stopBufferTicks: number,
): LevelsResult {
  if (!Number.isInteger(stopBufferTicks) || stopBufferTicks < 1) {
    return {
      ok: false,
      reason: `stopBufferTicks ${stopBufferTicks} must be a whole number of at least 1 (the stop sits beyond the value-area edge)`,
    };
  }
  const long = side === 'long';
  const edge = long ? profile.val : profile.vah;
  const entryTicks = Math.round(roundLevelToTick(edge, grid, profile.poc) / grid.tickSize);
  const entryPrice = fromTicks(entryTicks, grid);
  const stopPrice = fromTicks(entryTicks + (long ? -stopBufferTicks : stopBufferTicks), grid);
  const tp1 = roundLevelToTick(profile.poc, grid, entryPrice);
  const tp2 = roundLevelToTick(long ? profile.vah : profile.val, grid, entryPrice);
  const tp3 = roundLevelToTick(long ? profile.high : profile.low, grid, entryPrice);
  const levels: EntryLevels = { side, entryPrice, stopPrice, tp1, tp2, tp3 };

  const names = [
    'stop',
    'entry',
    'TP1 (POC)',
    long ? 'TP2 (VAH)' : 'TP2 (VAL)',
    long ? 'TP3 (high)' : 'TP3 (low)',
  ];
  const prices = [stopPrice, entryPrice, tp1, tp2, tp3];
  for (let i = 1; i < prices.length; i++) {
    const previous = prices[i - 1]!;
    const current = prices[i]!;
    const ordered = long ? current > previous : current < previous;
    if (!ordered) {
      const relation = long ? 'above' : 'below';
      return {
        ok: false,
        reason:
          `${side} levels are not strictly ordered: ${names[i]} ${current} is not ${relation} ${names[i - 1]} ${previous} ` +
          `(profile low ${profile.low}, VAL ${profile.val}, POC ${profile.poc}, VAH ${profile.vah}, high ${profile.high}); ` +
          'the profile is too narrow or lopsided to trade',
      };
    }
  }
  return { ok: true, levels };
}
