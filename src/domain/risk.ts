/**
 * The account-wide risk check before every entry (docs/risk.md): with the new trade,
 * - the position of the whole account (open and working contracts, every symbol; micros count
 *   1/10 of a mini) stays within the rules' cap (the scaling tier of the end-of-day balance), and
 * - the worst case (every stop hit, with the stop slippage and the round-turn fees) stays at least
 *   `riskBuffer` above the floor (the higher of the loss limit and the day's limit).
 * When the plan does not fit it is sized down; when not even one contract fits it is refused with
 * the numbers. Pure: the caller hands in the guard state and every position's exposure.
 */
import { type AccountRules, maxMinisAt } from './account-rules.ts';
import { money } from './format.ts';
import { floorsOf, type GuardSettings, type GuardState } from './guards.ts';
import { getInstrument } from './instruments.ts';
import { resizePlan, roundTurnFee } from './plan.ts';
import type { BotSettings } from './settings.ts';
import type { EntryPlan, Instrument, Side } from './types.ts';

/** What one position can still lose, as the engine holds it. */
export interface Exposure {
  readonly symbol: string;
  readonly side: Side;
  /** Its current (ladder) stop. */
  readonly stop: number;
  /** Contracts held and their average entry price (ignored when openQty is 0). */
  readonly openQty: number;
  readonly avgEntry: number;
  /** Entry orders still working. */
  readonly pending: readonly { readonly price: number; readonly quantity: number }[];
  readonly tickSize: number;
  readonly tickValue: number;
}

export type RiskSettings = GuardSettings &
  Pick<BotSettings, 'stopSlippageTicks' | 'riskPerTrade' | 'maxContracts' | 'dcaLevels'>;

export type RiskDecision =
  | { readonly ok: true; readonly plan: EntryPlan; readonly resized: string | null }
  | { readonly ok: false; readonly code: 'position_cap' | 'risk_room'; readonly reason: string };

/** How many micro units a contract of `symbol` counts toward the cap (a mini is microsPerMini). */
export function capUnits(symbol: string, rules: AccountRules): number {
  return getInstrument(symbol)?.micro ? 1 : rules.microsPerMini;
}

/** Dollars a position loses at most from here: to its stop, plus slippage and round-turn fees. */
export function exposureRisk(e: Exposure, slippageTicks: number): number {
  const direction = e.side === 'long' ? 1 : -1;
  const fee = roundTurnFee(e.symbol);
  const legRisk = (price: number, quantity: number): number => {
    const ticks = Math.max(0, Math.round(((price - e.stop) * direction) / e.tickSize) + slippageTicks);
    return quantity * (ticks * e.tickValue + fee);
  };
  let risk = e.openQty > 0 ? legRisk(e.avgEntry, e.openQty) : 0;
  for (const leg of e.pending) risk += legRisk(leg.price, leg.quantity);
  return Math.round(risk * 100) / 100;
}

export interface AccountRiskInput {
  readonly plan: EntryPlan;
  readonly instrument: Instrument;
  readonly state: GuardState;
  readonly exposures: readonly Exposure[];
  readonly settings: RiskSettings;
  readonly rules: AccountRules;
}

export interface AccountRiskFigures {
  readonly balance: number;
  readonly floor: number | null;
  readonly floorName: string;
  readonly openRisk: number;
  /** Dollars the new trade may risk: balance − floor − buffer − open risk (Infinity without a floor). */
  readonly room: number;
  readonly capMinis: number;
  /** Micro units open or working, and what the cap allows. */
  readonly usedUnits: number;
  readonly capUnits: number;
}

export function accountRiskFigures(
  state: GuardState,
  exposures: readonly Exposure[],
  settings: RiskSettings,
  rules: AccountRules,
): AccountRiskFigures {
  const floors = floorsOf(state, settings, rules);
  let openRisk = 0;
  let usedUnits = 0;
  for (const e of exposures) {
    openRisk += exposureRisk(e, settings.stopSlippageTicks);
    const working = e.pending.reduce((n, leg) => n + leg.quantity, 0);
    usedUnits += (e.openQty + working) * capUnits(e.symbol, rules);
  }
  openRisk = Math.round(openRisk * 100) / 100;
  const floor = floors.effective;
  const floorName =
    floor === null ? 'no loss limit' : floor === floors.lossLimit ? 'Maximum Loss Limit' : 'daily loss limit';
  const room =
    floor === null
      ? Number.POSITIVE_INFINITY
      : Math.round((state.equity - floor - settings.riskBuffer - openRisk) * 100) / 100;
  const capMinis = maxMinisAt(rules, state.equity - state.realizedPnlToday);
  return {
    balance: state.equity,
    floor,
    floorName,
    openRisk,
    room,
    capMinis,
    usedUnits,
    capUnits: capMinis * rules.microsPerMini,
  };
}

/** Fit the plan into the account: same plan, smaller size, or a refusal that names the numbers. */
export function checkAccountRisk(input: AccountRiskInput): RiskDecision {
  const { plan, instrument, settings, rules } = input;
  const f = accountRiskFigures(input.state, input.exposures, settings, rules);
  const units = capUnits(instrument.symbol, rules);
  const capLeft = Math.floor((f.capUnits - f.usedUnits) / units);
  const held = `${f.usedUnits / rules.microsPerMini} of ${f.capMinis} minis open or working`;
  if (capLeft < 1) {
    return {
      ok: false,
      code: 'position_cap',
      reason: `FILTERED: position cap — ${held} (${rules.label}${units === 1 ? `, ${rules.microsPerMini} micros count as 1 mini` : ''}); not even 1 ${instrument.symbol} fits`,
    };
  }
  const roomText = () =>
    `room above the loss limit ${money(Math.max(0, f.room))} (balance ${money(f.balance)} − ${f.floorName} ${money(f.floor ?? 0)} − buffer ${money(settings.riskBuffer)} − open risk ${money(f.openRisk)})`;
  if (plan.riskDollars <= f.room && plan.quantity <= capLeft) return { ok: true, plan, resized: null };

  const budget = Math.min(plan.riskDollars, f.room);
  const resized =
    budget > 0
      ? resizePlan(plan, instrument, settings, {
          riskDollars: budget,
          maxContracts: Math.min(plan.quantity, capLeft),
        })
      : null;
  if (!resized?.ok) {
    const least = resizePlan(plan, instrument, settings, {
      riskDollars: Number.MAX_SAFE_INTEGER,
      maxContracts: 1,
    });
    const wouldRisk = least.ok ? least.plan.riskDollars : plan.riskDollars;
    return {
      ok: false,
      code: 'risk_room',
      reason: `FILTERED: risk — would risk ${money(wouldRisk)} with 1 ${instrument.symbol} (stop, ${settings.stopSlippageTicks} tick slippage and fees), ${roomText()}`,
    };
  }
  const why =
    plan.quantity > capLeft && resized.plan.quantity === capLeft
      ? `position cap: ${held}`
      : `${plan.quantity} would risk ${money(plan.riskDollars)}, ${roomText()}`;
  return {
    ok: true,
    plan: resized.plan,
    resized: `resized ${plan.quantity} → ${resized.plan.quantity} ${instrument.symbol} (risk ${money(resized.plan.riskDollars)}): ${why}`,
  };
}
