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
  /** Daily loss limit in dollars (positive number); 0 disables. */
  readonly dailyLossLimit: number;
  /** Trailing drawdown in dollars from the equity high-water mark; 0 disables. */
  readonly trailingDrawdown: number;
  /** Trading window, local "HH:MM" in timeZone; empty strings disable. */
  readonly tradingWindowStart: string;
  readonly tradingWindowEnd: string;
  /** Flat-by time, local "HH:MM" (Topstep: 15:10 America/Chicago); empty disables. */
  readonly flatByTime: string;
  readonly timeZone: string;
  readonly startingBalance: number;
}

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
    help: 'Share of the volume inside the value area.',
    kind: { type: 'number', min: 0, max: 100, minExclusive: true },
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
  dailyLossLimit: {
    default: 1000,
    unit: 'USD',
    help: 'Daily loss limit; reaching it flattens and refuses entries until a reset. 0 turns it off.',
    kind: { type: 'number', min: 0 },
    example: '1000',
  },
  trailingDrawdown: {
    default: 2000,
    unit: 'USD',
    help: 'Trailing drawdown from the equity high-water mark; 0 turns it off.',
    kind: { type: 'number', min: 0 },
    example: '2000',
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
  flatByTime: {
    default: '15:10',
    unit: 'HH:MM',
    help: 'Everything is flattened at this local time (Topstep: 15:10 America/Chicago); empty turns it off.',
    kind: { type: 'time' },
    example: '"15:10"',
  },
  timeZone: {
    default: 'America/Chicago',
    unit: 'IANA zone',
    help: 'Time zone of the trading window and the flat-by time.',
    kind: { type: 'timeZone' },
    example: '"America/Chicago"',
  },
  startingBalance: {
    default: 50_000,
    unit: 'USD',
    help: 'Account balance the guards start from.',
    kind: { type: 'number', min: 0, minExclusive: true },
    example: '50000',
  },
};

export const SETTING_KEYS = Object.keys(SETTING_DECLARATIONS) as (keyof BotSettings)[];

export const DEFAULT_SETTINGS: BotSettings = Object.fromEntries(
  SETTING_KEYS.map((key) => [key, SETTING_DECLARATIONS[key].default]),
) as unknown as BotSettings;
