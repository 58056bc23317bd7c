/** Bot settings (one row of bot_settings). Guards use America/Chicago unless `timeZone` says otherwise. */
export interface BotSettings {
  readonly isActive: boolean;
  /** Market types the bot trades; only 'futures' exists today. */
  readonly marketTypes: readonly string[];
  /** Root symbols allowed; empty = all known instruments. */
  readonly watchlist: readonly string[];
  readonly blacklist: readonly string[];
  /** Minimum time between two entries on one symbol, ms. */
  readonly cooldownMs: number;
  readonly maxConcurrentTrades: number;
  /** Dollars risked per trade (entry to initial stop, all legs). */
  readonly riskPerTrade: number;
  readonly maxContracts: number;
  /** DCA ladder: extra entry legs between entry and stop. Empty = single entry. */
  readonly dcaLevels: readonly { readonly fraction: number; readonly sizeShare: number }[];
  /** Stop buffer beyond the value-area edge, ticks. */
  readonly stopBufferTicks: number;
  /** What each take-profit rung aims at (src/domain/levels.ts); the defaults are POC, far value edge, profile extreme. */
  readonly tp1Target: TargetChoice;
  readonly tp2Target: TargetChoice;
  readonly tp3Target: TargetChoice;
  /** Minimum confirmation score (0–100) to trade; 0 disables. */
  readonly confirmationThreshold: number;
  /** Profile lookback in minutes (1m bars). */
  readonly profileLookbackMinutes: number;
  readonly profileRows: number;
  readonly valueAreaPercent: number;
  /** Unfilled entries are cancelled after this long, ms. */
  readonly entryTimeoutMs: number;
  readonly closeAtTp3: boolean;
  /** Ignore alerts whose fire time is older than this, ms. */
  readonly maxAlertLagMs: number;
  /** Account rules profile (src/domain/data/account-rules.json); 'custom' takes the figures below. */
  readonly accountRules: AccountRulesName;
  /** Personal daily loss limit in dollars (positive number), reset at 17:00 CT; 0 disables. */
  readonly dailyLossLimit: number;
  /** What reaching the personal daily loss limit does. */
  readonly dailyLossAction: DailyLossAction;
  /** 'custom' rules: Maximum Loss Limit in dollars below the end-of-day balance high; 0 disables. */
  readonly trailingDrawdown: number;
  /** 'custom' rules: account-wide position cap in minis (micros count 10 to a mini). */
  readonly maxPosition: number;
  /** Dollars kept between the worst case (every stop hit) and the loss limit. */
  readonly riskBuffer: number;
  /** Ticks of slippage assumed on every stop exit, in sizing and the risk check. */
  readonly stopSlippageTicks: number;
  /** What to do when the last price is already through the planned entry or stop. */
  readonly crossedEntry: CrossedEntryPolicy;
  /** Difference between the broker's balance and the bot's own that is logged and shown, dollars. */
  readonly balanceTolerance: number;
  /** Trading window, local "HH:MM" in timeZone; empty strings disable. */
  readonly tradingWindowStart: string;
  readonly tradingWindowEnd: string;
  /** No new entries from this local time "HH:MM" until the session reopens; empty disables. */
  readonly noNewEntriesAfter: string;
  /** Flatten-at time, local "HH:MM" (before Topstep's 15:10 America/Chicago deadline); empty disables. */
  readonly flatByTime: string;
  /** Apply the CME holiday and early-close calendar (src/domain/data/cme-calendar.json). */
  readonly cmeCalendar: boolean;
  readonly timeZone: string;
  readonly startingBalance: number;
}

export const ACCOUNT_RULES_NAMES = [
  'combine-50k',
  'combine-100k',
  'combine-150k',
  'xfa-50k',
  'xfa-100k',
  'xfa-150k',
  'custom',
] as const;
export type AccountRulesName = (typeof ACCOUNT_RULES_NAMES)[number];
export const DAILY_LOSS_ACTIONS = ['liquidate', 'liquidate_and_block'] as const;
export type DailyLossAction = (typeof DAILY_LOSS_ACTIONS)[number];
export const CROSSED_ENTRY_POLICIES = ['refuse', 'replan'] as const;
export type CrossedEntryPolicy = (typeof CROSSED_ENTRY_POLICIES)[number];
/**
 * Where a take-profit rung sits: the POC, the far value-area edge (VAH for a long, VAL for a short),
 * the profile extreme (high for a long, low for a short), or 1, 2 or 3 times the entry-to-stop
 * distance beyond the entry.
 */
export const TARGET_CHOICES = ['poc', 'value_edge', 'profile_extreme', 'r1', 'r2', 'r3'] as const;
export type TargetChoice = (typeof TARGET_CHOICES)[number];

/**
 * How a setting is checked and shown. Plain data: the schema (src/settings/schema.ts), the flags,
 * `--help` and docs/settings.md are all built from this table, so each setting is declared once.
 */
export type SettingKind =
  | { readonly type: 'boolean' }
  | { readonly type: 'integer'; readonly min: number; readonly max?: number }
  | { readonly type: 'number'; readonly min: number; readonly max?: number; readonly minExclusive?: boolean }
  /** Local wall-clock time "HH:MM" (24 h); '' turns it off. */
  | { readonly type: 'time' }
  /** An IANA time zone name, e.g. America/Chicago. */
  | { readonly type: 'timeZone' }
  /** A list of root symbols, e.g. ["ES","NQ"]. */
  | { readonly type: 'symbols' }
  | { readonly type: 'choices'; readonly values: readonly string[] }
  /** One of a fixed set of names. */
  | { readonly type: 'choice'; readonly values: readonly string[] }
  /** DCA legs: [{ "fraction": 0–1 (of the way from entry to stop), "sizeShare": > 0 }]. */
  | { readonly type: 'dcaLevels' };

export interface SettingDeclaration<K extends keyof BotSettings = keyof BotSettings> {
  readonly default: BotSettings[K];
  /** Unit a trader reads the number in ('' when none). */
  readonly unit: string;
  readonly help: string;
  readonly kind: SettingKind;
  /** A value to show in the fix of an error message. */
  readonly example: string;
}

export type SettingDeclarations = { readonly [K in keyof BotSettings]: SettingDeclaration<K> };

export const SETTING_DECLARATIONS: SettingDeclarations = {
  isActive: {
    default: true,
    unit: '',
    help: 'Take new entries (Pause on the dashboard sets it off; closes and cancels always run).',
    kind: { type: 'boolean' },
    example: 'true',
  },
  marketTypes: {
    default: ['futures'],
    unit: '',
    help: 'Market types the bot trades; only futures exists today.',
    kind: { type: 'choices', values: ['futures'] },
    example: '["futures"]',
  },
  watchlist: {
    default: [],
    unit: 'symbols',
    help: 'Root symbols allowed; empty allows every known instrument.',
    kind: { type: 'symbols' },
    example: '["ES","NQ"]',
  },
  blacklist: {
    default: [],
    unit: 'symbols',
    help: 'Root symbols never traded.',
    kind: { type: 'symbols' },
    example: '["CL"]',
  },
  cooldownMs: {
    default: 5 * 60_000,
    unit: 'ms',
    help: 'Minimum time between two entries on one symbol.',
    kind: { type: 'integer', min: 0 },
    example: '300000',
  },
  maxConcurrentTrades: {
    default: 3,
    unit: 'positions',
    help: 'Open or pending positions at most, all symbols together.',
    kind: { type: 'integer', min: 1 },
    example: '3',
  },
  riskPerTrade: {
    default: 500,
    unit: 'USD',
    help: 'Dollars risked per trade, entry to initial stop, all legs.',
    kind: { type: 'number', min: 0, minExclusive: true },
    example: '500',
  },
  maxContracts: {
    default: 5,
    unit: 'contracts',
    help: 'Contracts per trade at most.',
    kind: { type: 'integer', min: 1 },
    example: '5',
  },
  dcaLevels: {
    default: [],
    unit: '',
    help: 'Extra entry legs between entry and stop; empty is a single entry.',
    kind: { type: 'dcaLevels' },
    example: '[{"fraction":0.5,"sizeShare":1}]',
  },
  stopBufferTicks: {
    default: 4,
    unit: 'ticks',
    help: 'Stop distance beyond the value-area edge.',
    kind: { type: 'integer', min: 0 },
    example: '4',
  },
  tp1Target: {
    default: 'poc',
    unit: '',
    help: 'TP1 at: poc, value_edge (VAH for a long, VAL for a short), profile_extreme (profile high for a long, low for a short), or r1, r2, r3 (1, 2 or 3 times the entry-to-stop distance beyond the entry). Targets out of order refuse the alert.',
    kind: { type: 'choice', values: TARGET_CHOICES },
    example: '"poc"',
  },
  tp2Target: {
    default: 'value_edge',
    unit: '',
    help: 'TP2 at: the same choices as tp1Target; it must lie beyond TP1 on the profile or the alert is refused.',
    kind: { type: 'choice', values: TARGET_CHOICES },
    example: '"value_edge"',
  },
  tp3Target: {
    default: 'profile_extreme',
    unit: '',
    help: 'TP3 at: the same choices as tp1Target; it must lie beyond TP2 on the profile or the alert is refused.',
    kind: { type: 'choice', values: TARGET_CHOICES },
    example: '"profile_extreme"',
  },
  confirmationThreshold: {
    default: 0,
    unit: 'score 0–100',
    help: 'Minimum confirmation score to trade; 0 turns the check off.',
    kind: { type: 'number', min: 0, max: 100 },
    example: '60',
  },
  profileLookbackMinutes: {
    default: 240,
    unit: 'minutes',
    help: 'Volume-profile lookback (1-minute bars before the alert).',
    kind: { type: 'integer', min: 1 },
    example: '240',
  },
  profileRows: {
    default: 24,
    unit: 'rows',
    help: 'Price rows of the volume profile.',
    kind: { type: 'integer', min: 1 },
    example: '24',
  },
  valueAreaPercent: {
    default: 70,
    unit: '%',
    help: 'Share of the volume inside the value area, in percent (70 means 70%; a fraction like 0.7 is refused).',
    kind: { type: 'number', min: 1, max: 100 },
    example: '70',
  },
  entryTimeoutMs: {
    default: 30 * 60_000,
    unit: 'ms',
    help: 'An unfilled entry is cancelled after this long.',
    kind: { type: 'integer', min: 0 },
    example: '1800000',
  },
  closeAtTp3: {
    default: false,
    unit: '',
    help: 'Close the position at TP3 instead of moving the stop to TP2.',
    kind: { type: 'boolean' },
    example: 'false',
  },
  maxAlertLagMs: {
    default: 60_000,
    unit: 'ms',
    help: 'Alerts whose fire time is older than this are ignored.',
    kind: { type: 'integer', min: 0 },
    example: '60000',
  },
  accountRules: {
    default: 'combine-50k',
    unit: '',
    help: 'Account rules profile: loss limit, position cap, target (docs/risk.md); custom takes startingBalance, trailingDrawdown and maxPosition.',
    kind: { type: 'choice', values: ACCOUNT_RULES_NAMES },
    example: '"combine-50k"',
  },
  dailyLossLimit: {
    default: 1000,
    unit: 'USD',
    help: 'Personal daily loss limit (day P&L, open included), reset at 17:00 CT; 0 turns it off.',
    kind: { type: 'number', min: 0 },
    example: '1000',
  },
  dailyLossAction: {
    default: 'liquidate_and_block',
    unit: '',
    help: 'At the daily loss limit: liquidate (flatten; entries need room above the day limit) or liquidate_and_block (no entries until 17:00 CT).',
    kind: { type: 'choice', values: DAILY_LOSS_ACTIONS },
    example: '"liquidate_and_block"',
  },
  trailingDrawdown: {
    default: 2000,
    unit: 'USD',
    help: 'custom rules only: Maximum Loss Limit below the end-of-day balance high (locks at startingBalance); 0 turns it off.',
    kind: { type: 'number', min: 0 },
    example: '2000',
  },
  maxPosition: {
    default: 5,
    unit: 'minis',
    help: 'custom rules only: contracts open at most, all symbols together (10 micros count as 1).',
    kind: { type: 'integer', min: 1 },
    example: '5',
  },
  riskBuffer: {
    default: 200,
    unit: 'USD',
    help: 'Kept between the worst case (every stop hit, fees and slippage) and the loss limit; the bot flattens at the limit plus this.',
    kind: { type: 'number', min: 0 },
    example: '200',
  },
  stopSlippageTicks: {
    default: 1,
    unit: 'ticks',
    help: 'Slippage assumed on a stop exit, in sizing and the risk check.',
    kind: { type: 'integer', min: 0 },
    example: '1',
  },
  crossedEntry: {
    default: 'refuse',
    unit: '',
    help: 'When the price is already through the entry: refuse the alert, or replan it at the price (through the stop is always refused).',
    kind: { type: 'choice', values: CROSSED_ENTRY_POLICIES },
    example: '"refuse"',
  },
  balanceTolerance: {
    default: 5,
    unit: 'USD',
    help: "A difference between the broker's balance and the bot's own beyond this is logged and shown (the broker's figure wins).",
    kind: { type: 'number', min: 0 },
    example: '5',
  },
  tradingWindowStart: {
    default: '',
    unit: 'HH:MM',
    help: 'Entries only from this local time (in timeZone); empty turns the window off.',
    kind: { type: 'time' },
    example: '"08:30"',
  },
  tradingWindowEnd: {
    default: '',
    unit: 'HH:MM',
    help: 'Entries only until this local time (in timeZone); empty turns the window off.',
    kind: { type: 'time' },
    example: '"14:30"',
  },
  noNewEntriesAfter: {
    default: '15:00',
    unit: 'HH:MM',
    help: 'No new entries from this local time until the session reopens at 17:00 CT (early closes move it earlier); empty turns it off.',
    kind: { type: 'time' },
    example: '"15:00"',
  },
  flatByTime: {
    default: '15:05',
    unit: 'HH:MM',
    help: "Flatten at this local time, before Topstep's 15:10 CT deadline (early closes move it earlier); empty turns it off.",
    kind: { type: 'time' },
    example: '"15:05"',
  },
  cmeCalendar: {
    default: true,
    unit: '',
    help: 'Refuse entries on CME holidays and move both cut-off times before early closes; past the years it covers, entries are refused with the fix. Off only at your own risk.',
    kind: { type: 'boolean' },
    example: 'true',
  },
  timeZone: {
    default: 'America/Chicago',
    unit: 'IANA zone',
    help: 'Time zone of the trading window, the no-new-entries and the flatten-at times.',
    kind: { type: 'timeZone' },
    example: '"America/Chicago"',
  },
  startingBalance: {
    default: 50_000,
    unit: 'USD',
    help: 'custom rules only: the starting balance (the loss limit locks here); live, the broker balance replaces the running balance.',
    kind: { type: 'number', min: 0, minExclusive: true },
    example: '50000',
  },
};

export const SETTING_KEYS = Object.keys(SETTING_DECLARATIONS) as (keyof BotSettings)[];

export const DEFAULT_SETTINGS: BotSettings = Object.fromEntries(
  SETTING_KEYS.map((key) => [key, SETTING_DECLARATIONS[key].default]),
) as unknown as BotSettings;
