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

export const DEFAULT_SETTINGS: BotSettings = {
  isActive: true,
  marketTypes: ['futures'],
  watchlist: [],
  blacklist: [],
  cooldownMs: 5 * 60_000,
  maxConcurrentTrades: 3,
  riskPerTrade: 500,
  maxContracts: 5,
  dcaLevels: [],
  stopBufferTicks: 4,
  confirmationThreshold: 0,
  profileLookbackMinutes: 240,
  profileRows: 24,
  valueAreaPercent: 70,
  entryTimeoutMs: 30 * 60_000,
  closeAtTp3: false,
  maxAlertLagMs: 60_000,
  dailyLossLimit: 1000,
  trailingDrawdown: 2000,
  tradingWindowStart: '',
  tradingWindowEnd: '',
  flatByTime: '15:10',
  timeZone: 'America/Chicago',
  startingBalance: 50_000,
};
