/**
 * Entry, stop and targets from a volume profile. A long buys the value-area low; by default it targets
 * the POC, the value-area high and the profile high, and a short mirrors it. Each target can instead
 * be another profile level or a multiple of the risk (settings tp1Target, tp2Target, tp3Target).
 * Every level is on the tick grid.
 */
import type { VolumeProfile } from './profile.ts';
import { roundLevelToTick } from './profile.ts';
import { type BotSettings, SETTING_DECLARATIONS, TARGET_CHOICES, type TargetChoice } from './settings.ts';
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

/** What each take-profit rung aims at. */
export type TargetSettings = Pick<BotSettings, 'tp1Target' | 'tp2Target' | 'tp3Target'>;

/** POC, far value-area edge, profile extreme: the targets before they were settings. */
export const DEFAULT_TARGETS: TargetSettings = {
  tp1Target: SETTING_DECLARATIONS.tp1Target.default,
  tp2Target: SETTING_DECLARATIONS.tp2Target.default,
  tp3Target: SETTING_DECLARATIONS.tp3Target.default,
};

const TARGET_KEYS = ['tp1Target', 'tp2Target', 'tp3Target'] as const;

export function entryLevels(
  profile: VolumeProfile,
  side: Side,
  grid: TickGrid,
  stopBufferTicks: number,
  targets: TargetSettings = DEFAULT_TARGETS,
): LevelsResult {
  if (!Number.isInteger(stopBufferTicks) || stopBufferTicks < 1) {
    return {
      ok: false,
      reason: `stopBufferTicks ${stopBufferTicks} must be a whole number of at least 1 (the stop sits beyond the value-area edge)`,
    };
  }
  for (const key of TARGET_KEYS) {
    if (!(TARGET_CHOICES as readonly unknown[]).includes(targets[key])) {
      return {
        ok: false,
        reason: `${key} ${JSON.stringify(targets[key])} is not a target; use one of ${TARGET_CHOICES.join(', ')}`,
      };
    }
  }
  const long = side === 'long';
  const direction = long ? 1 : -1;
  const edge = long ? profile.val : profile.vah;
  const entryTicks = Math.round(roundLevelToTick(edge, grid, profile.poc) / grid.tickSize);
  const entryPrice = fromTicks(entryTicks, grid);
  const stopPrice = fromTicks(entryTicks - direction * stopBufferTicks, grid);

  /** A target's price and its name in a reason, e.g. 'TP2 (VAH)' or 'TP1 (2R)'. */
  const target = (rung: number, choice: TargetChoice): { price: number; name: string } => {
    switch (choice) {
      case 'poc':
        // Profile levels round toward the entry on a half tick: a target is never further than the profile says.
        return { price: roundLevelToTick(profile.poc, grid, entryPrice), name: `TP${rung} (POC)` };
      case 'value_edge':
        return {
          price: roundLevelToTick(long ? profile.vah : profile.val, grid, entryPrice),
          name: long ? `TP${rung} (VAH)` : `TP${rung} (VAL)`,
        };
      case 'profile_extreme':
        return {
          price: roundLevelToTick(long ? profile.high : profile.low, grid, entryPrice),
          name: long ? `TP${rung} (high)` : `TP${rung} (low)`,
        };
      case 'r1':
      case 'r2':
      case 'r3': {
        // The risk is a whole number of ticks, so a multiple of it lands on the grid exactly.
        const multiple = Number(choice.slice(1));
        return {
          price: fromTicks(entryTicks + direction * multiple * stopBufferTicks, grid),
          name: `TP${rung} (${multiple}R)`,
        };
      }
      default:
        return assertNeverTarget(choice);
    }
  };
  const tps = TARGET_KEYS.map((key, i) => target(i + 1, targets[key]));
  const [tp1, tp2, tp3] = tps.map((t) => t.price) as [number, number, number];
  const levels: EntryLevels = { side, entryPrice, stopPrice, tp1, tp2, tp3 };

  const names = ['stop', 'entry', ...tps.map((t) => t.name)];
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
          orderFix(i, targets),
      };
    }
  }
  return { ok: true, levels };
}

/**
 * The fix for the level at index `i` (stop, entry, TP1, TP2, TP3) not lying beyond the one before.
 * Two chosen targets out of order name both settings; the default targets keep the old wording.
 */
function orderFix(i: number, targets: TargetSettings): string {
  const profileFix = 'the profile is too narrow or lopsided to trade';
  if (i < 3) return profileFix;
  const inner = TARGET_KEYS[i - 3]!;
  const outer = TARGET_KEYS[i - 2]!;
  if (targets[inner] === DEFAULT_TARGETS[inner] && targets[outer] === DEFAULT_TARGETS[outer])
    return profileFix;
  return (
    `${outer} ${targets[outer]} does not lie beyond ${inner} ${targets[inner]} on this profile: ` +
    'choose targets that step away from the entry in order, or the profile is too narrow or lopsided to trade'
  );
}

function assertNeverTarget(choice: never): never {
  throw new Error(`unknown target choice ${JSON.stringify(choice)}`);
}
