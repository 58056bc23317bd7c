/**
 * The execution payload builder: bars → profile → entry levels → size (→ confirmation score).
 * Pure; every refusal comes back as a reason a trader can read.
 */
import { type Confirmation, confirmationScore } from './confirmation.ts';
import { feePerSide } from './fees.ts';
import { entryLevels } from './levels.ts';
import { computeProfile, type VolumeProfile } from './profile.ts';
import type { BotSettings } from './settings.ts';
import { sizePosition } from './sizing.ts';
import type { Bar, EntryPlan, Instrument, Side } from './types.ts';

export interface EntryPlanRequest {
  /** Bars of the profile lookback (1m bars over settings.profileLookbackMinutes), in time order. */
  readonly bars: readonly Bar[];
  readonly side: Side;
  readonly instrument: Instrument;
  readonly settings: BotSettings;
  /** Price at the alert; defaults to the last bar's close. Used by the confirmation score. */
  readonly price?: number;
  /** Bars of the longer lookback; when given, the dual-timeframe confirmation score is computed. */
  readonly confirmationBars?: readonly Bar[];
}

export type EntryPlanResult =
  | {
      readonly ok: true;
      readonly plan: EntryPlan;
      readonly profile: VolumeProfile;
      readonly confirmation?: Confirmation;
    }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly profile?: VolumeProfile;
      readonly confirmation?: Confirmation;
    };

export function buildEntryPlan(request: EntryPlanRequest): EntryPlanResult {
  const { bars, side, instrument, settings } = request;
  const settingsProblem = planSettingsProblem(settings);
  if (settingsProblem) return { ok: false, reason: settingsProblem };
  const profileOptions = {
    tickSize: instrument.tickSize,
    decimals: instrument.decimals,
    layout: { rows: settings.profileRows },
    valueAreaPercent: settings.valueAreaPercent,
  };
  const profile = computeProfile(bars, profileOptions);
  if (profile.kind !== 'profile') {
    return { ok: false, reason: `${instrument.symbol} volume profile: ${profile.reason}` };
  }

  let confirmation: Confirmation | undefined;
  const price = request.price ?? bars[bars.length - 1]?.close;
  if (request.confirmationBars !== undefined && price !== undefined) {
    const longProfile = computeProfile(request.confirmationBars, profileOptions);
    confirmation = confirmationScore({ side, price, shortProfile: profile, longProfile });
    if (settings.confirmationThreshold > 0 && confirmation.score < settings.confirmationThreshold) {
      return {
        ok: false,
        reason: `confirmation score ${confirmation.score} is below the threshold ${settings.confirmationThreshold}`,
        profile,
        confirmation,
      };
    }
  } else if (settings.confirmationThreshold > 0) {
    return {
      ok: false,
      reason: `confirmationThreshold is ${settings.confirmationThreshold} but no confirmation bars were given; pass confirmationBars or set the threshold to 0`,
      profile,
    };
  }

  const levelsResult = entryLevels(profile, side, instrument, settings.stopBufferTicks, settings);
  if (!levelsResult.ok) return { ok: false, reason: `${instrument.symbol}: ${levelsResult.reason}`, profile };
  const levels = levelsResult.levels;

  const sizing = sizePosition({
    side,
    entryPrice: levels.entryPrice,
    stopPrice: levels.stopPrice,
    instrument,
    riskDollars: settings.riskPerTrade,
    maxContracts: settings.maxContracts,
    dcaLevels: settings.dcaLevels,
    roundTurnFee: roundTurnFee(instrument.symbol),
    slippageTicks: settings.stopSlippageTicks,
  });
  if (!sizing.ok) return { ok: false, reason: `${instrument.symbol}: ${sizing.reason}`, profile };

  const plan: EntryPlan = {
    side,
    entryPrice: levels.entryPrice,
    stopPrice: levels.stopPrice,
    tp1: levels.tp1,
    tp2: levels.tp2,
    tp3: levels.tp3,
    legs: sizing.size.legs,
    quantity: sizing.size.quantity,
    riskDollars: sizing.size.riskDollars,
    poc: profile.poc,
    vah: profile.vah,
    val: profile.val,
    profileLow: profile.low,
    profileHigh: profile.high,
    confirmationScore: confirmation?.score ?? null,
  };
  return confirmation ? { ok: true, plan, profile, confirmation } : { ok: true, plan, profile };
}

/** Commission and fees per contract for a round turn (entry and exit), dollars. */
export function roundTurnFee(symbol: string): number {
  return Math.round(feePerSide(symbol) * 200) / 100;
}

export interface PlanLimits {
  /** Dollars the trade may risk, costs included. */
  readonly riskDollars: number;
  readonly maxContracts: number;
  /** A new entry price (a crossed entry re-planned at the last price); the stop and targets stay. */
  readonly entryPrice?: number;
}

/** The same plan sized again under tighter limits (the account-wide risk check) or a new entry price. */
export function resizePlan(
  plan: EntryPlan,
  instrument: Instrument,
  settings: Pick<BotSettings, 'dcaLevels' | 'stopSlippageTicks'>,
  limits: PlanLimits,
): { readonly ok: true; readonly plan: EntryPlan } | { readonly ok: false; readonly reason: string } {
  const entryPrice = limits.entryPrice ?? plan.entryPrice;
  const sizing = sizePosition({
    side: plan.side,
    entryPrice,
    stopPrice: plan.stopPrice,
    instrument,
    riskDollars: limits.riskDollars,
    maxContracts: limits.maxContracts,
    dcaLevels: settings.dcaLevels,
    roundTurnFee: roundTurnFee(instrument.symbol),
    slippageTicks: settings.stopSlippageTicks,
  });
  if (!sizing.ok) return { ok: false, reason: sizing.reason };
  return {
    ok: true,
    plan: {
      ...plan,
      entryPrice,
      legs: sizing.size.legs,
      quantity: sizing.size.quantity,
      riskDollars: sizing.size.riskDollars,
    },
  };
}

/** The profile settings, checked here so the reason names the settings field rather than an option. */
function planSettingsProblem(settings: BotSettings): string | undefined {
  if (!Number.isInteger(settings.profileRows) || settings.profileRows < 1) {
    return `settings.profileRows ${settings.profileRows} must be a whole number of at least 1 (24 is TradingView's default)`;
  }
  if (!(settings.valueAreaPercent > 0 && settings.valueAreaPercent <= 100)) {
    return `settings.valueAreaPercent ${settings.valueAreaPercent} must be greater than 0 and at most 100 (70 is the default)`;
  }
  if (!(settings.confirmationThreshold >= 0 && settings.confirmationThreshold <= 100)) {
    return `settings.confirmationThreshold ${settings.confirmationThreshold} must be between 0 (off) and 100`;
  }
  return undefined;
}
