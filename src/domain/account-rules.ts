/**
 * Prop-account rules as data: one profile per Topstep account type and size, read from
 * src/domain/data/account-rules.json (every value sourced there and in docs/risk.md, with the date
 * it was checked), plus "custom" built from the settings. Validated once at load; lookups are pure.
 */
import raw from './data/account-rules.json' with { type: 'json' };
import type { AccountRulesName, BotSettings } from './settings.ts';

export interface ScalingTier {
  /** End-of-day profit above the starting balance from which this tier applies; null: from the start. */
  readonly fromProfit: number | null;
  readonly maxMinis: number;
}

export interface AccountRules {
  readonly name: AccountRulesName;
  readonly label: string;
  readonly startingBalance: number;
  /** Maximum Loss Limit below the end-of-day balance high, dollars; 0: none. */
  readonly maxLossLimit: number;
  readonly profitTarget: number | null;
  /** Best day as a share of the total profit, percent (information only); null: no target. */
  readonly consistencyPercent: number | null;
  /** Position cap by end-of-day profit, lowest tier first. */
  readonly scaling: readonly ScalingTier[];
  /** How many micros count as one mini toward the cap. */
  readonly microsPerMini: number;
}

export class AccountRulesDataError extends Error {
  override readonly name = 'AccountRulesDataError';
}

type ProfileName = Exclude<AccountRulesName, 'custom'>;

const PROFILES: ReadonlyMap<ProfileName, AccountRules> = validate(raw);

export const ACCOUNT_RULES_CHECKED: string = raw.checked;
/** Topstep's be-flat deadline, "HH:MM" America/Chicago: the broker flattens open positions here. */
export const FLAT_DEADLINE_CT: string = raw.flatDeadlineCt;
export const ACCOUNT_RULES_SOURCES: Readonly<Record<string, string>> = Object.freeze({
  ...raw.sources,
  microsPerMini: raw.microsPerMiniSource,
  flatDeadline: raw.flatDeadlineSource,
});

const customCache = new WeakMap<object, AccountRules>();

/** The rules the settings select ('custom' takes startingBalance, trailingDrawdown and maxPosition). */
export function resolveAccountRules(
  settings: Pick<BotSettings, 'accountRules' | 'startingBalance' | 'trailingDrawdown' | 'maxPosition'>,
): AccountRules {
  if (settings.accountRules !== 'custom') {
    const profile = PROFILES.get(settings.accountRules);
    if (!profile) throw new AccountRulesDataError(`unknown accountRules "${settings.accountRules}"`);
    return profile;
  }
  const cached = customCache.get(settings);
  if (cached) return cached;
  const rules: AccountRules = {
    name: 'custom',
    label: 'Custom',
    startingBalance: settings.startingBalance,
    maxLossLimit: settings.trailingDrawdown,
    profitTarget: null,
    consistencyPercent: null,
    scaling: [{ fromProfit: null, maxMinis: settings.maxPosition }],
    microsPerMini: raw.microsPerMini,
  };
  customCache.set(settings, rules);
  return rules;
}

/** The position cap in minis for an end-of-day balance (the scaling plan's tier). */
export function maxMinisAt(rules: AccountRules, endOfDayBalance: number): number {
  const profit = endOfDayBalance - rules.startingBalance;
  let cap = rules.scaling[0]!.maxMinis;
  for (const tier of rules.scaling)
    if (tier.fromProfit === null || profit > tier.fromProfit) cap = tier.maxMinis;
  return cap;
}

/**
 * The Maximum Loss Limit floor for an end-of-day balance high: it trails the high by the limit and
 * locks once it reaches the starting balance. Null when the rules have no loss limit.
 */
export function lossLimitFloor(rules: AccountRules, endOfDayHigh: number): number | null {
  if (!(rules.maxLossLimit > 0)) return null;
  return Math.min(rules.startingBalance, endOfDayHigh - rules.maxLossLimit);
}

function validate(data: typeof raw): ReadonlyMap<ProfileName, AccountRules> {
  const out = new Map<ProfileName, AccountRules>();
  if (!(data.microsPerMini >= 1))
    throw new AccountRulesDataError('account-rules.json: microsPerMini must be ≥ 1');
  for (const [name, p] of Object.entries(data.profiles) as [
    ProfileName,
    (typeof data.profiles)[ProfileName],
  ][]) {
    const where = `account-rules.json profiles.${name}`;
    if (!(p.startingBalance >= 0)) throw new AccountRulesDataError(`${where}.startingBalance must be ≥ 0`);
    if (!(p.maxLossLimit > 0)) throw new AccountRulesDataError(`${where}.maxLossLimit must be > 0`);
    const scaling = p.scaling as readonly ScalingTier[];
    if (scaling.length === 0 || scaling[0]!.fromProfit !== null)
      throw new AccountRulesDataError(`${where}.scaling must start with a tier whose fromProfit is null`);
    for (let i = 0; i < scaling.length; i++) {
      const tier = scaling[i]!;
      if (!Number.isInteger(tier.maxMinis) || tier.maxMinis < 1)
        throw new AccountRulesDataError(`${where}.scaling[${i}].maxMinis must be a whole number ≥ 1`);
      if (
        i > 0 &&
        !((tier.fromProfit ?? Number.NaN) > (scaling[i - 1]!.fromProfit ?? Number.NEGATIVE_INFINITY))
      )
        throw new AccountRulesDataError(`${where}.scaling[${i}].fromProfit must rise tier by tier`);
    }
    out.set(name, {
      name,
      label: p.label,
      startingBalance: p.startingBalance,
      maxLossLimit: p.maxLossLimit,
      profitTarget: p.profitTarget,
      consistencyPercent: p.consistencyPercent,
      scaling,
      microsPerMini: data.microsPerMini,
    });
  }
  return out;
}
