/**
 * What a sweep runs on, as plain data: the files (with their SHA-256, so a queue worker on another
 * machine proves it has the same bytes), the symbol, the range and the shared settings. The lab CLI
 * builds it from its options; `loadLabData` turns it into `LabData` with the same loaders as
 * `npm run backtest` (sim/csv.ts, sim/alerts.ts), in the CLI and in every queue worker alike.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getInstrument } from '../../src/domain/instruments.ts';
import type { BotSettings } from '../../src/domain/settings.ts';
import { type BacktestAlert, demoSignals, loadAlertFile } from '../alerts.ts';
import { type BarSeries, loadMarketCsv, sliceBars } from '../csv.ts';
import type { ExchangeConfig } from '../exchange.ts';
import { inferBarMs, type PathPolicy } from '../path.ts';
import { HistoryCache } from '../replay.ts';
import type { LabData } from './cell.ts';

export interface LabSource {
  /** The bars file, as the user named it (workers resolve it from their own working folder). */
  readonly data: string;
  readonly dataSha256: string;
  /** Alerts file; null runs the built-in demo signals (close crossing its moving average). */
  readonly alerts: string | null;
  readonly alertsSha256: string | null;
  readonly symbol: string;
  readonly timeZone: string | null;
  readonly from: number | null;
  readonly to: number | null;
  readonly demoPeriod: number;
  readonly policy: PathPolicy;
  readonly settings: Partial<BotSettings>;
  readonly exchange: ExchangeConfig;
  readonly monteCarlo: { readonly runs: number; readonly seed: number };
}

export class LabSourceError extends Error {
  override readonly name = 'LabSourceError';
}

export function sha256File(path: string, what: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new LabSourceError(`${what} "${path}": cannot read it; check the path`);
  }
  return createHash('sha256').update(bytes).digest('hex');
}

/** Profile history before --from: the longest lookback any cell can ask for (×4 for the confirmation score). */
function historyMs(settings: Partial<BotSettings>, lookbacks: readonly number[]): number {
  const longest = Math.max(240, ...lookbacks, settings.profileLookbackMinutes ?? 0);
  return longest * 4 * 60_000;
}

export interface LoadOptions {
  /** Every profileLookbackMinutes a cell may use (for the history kept before --from). */
  readonly lookbacks?: readonly number[];
  /** Refuse files whose bytes differ from the source's hashes (queue workers). */
  readonly verify?: boolean;
}

export function loadLabData(source: LabSource, options: LoadOptions = {}): LabData {
  if (options.verify) {
    const have = sha256File(source.data, 'data');
    if (have !== source.dataSha256)
      throw new LabSourceError(
        `data "${source.data}" here differs from the sweep's (sha256 ${have.slice(0, 12)}… ≠ ${source.dataSha256.slice(0, 12)}…); ` +
          'copy the same file to this path, or start the worker in a folder where it is',
      );
    if (source.alerts !== null) {
      const alertsHave = sha256File(source.alerts, 'alerts');
      if (alertsHave !== source.alertsSha256)
        throw new LabSourceError(
          `alerts "${source.alerts}" here differ from the sweep's; copy the same file to this path`,
        );
    }
  }
  const instrument = getInstrument(source.symbol);
  if (!instrument) throw new LabSourceError(`symbol "${source.symbol}" is not supported`);
  const market = loadMarketCsv(source.data, {
    tickSize: instrument.tickSize,
    ...(source.timeZone ? { timeZone: source.timeZone } : {}),
  });
  if (market.kind !== 'bars')
    throw new LabSourceError(
      `data "${source.data}" holds tick prints; the lab sweeps bars: make 1-minute bars first (npm run backtest -- --data ticks.csv replays ticks one run at a time)`,
    );
  const from = source.from;
  const history = from === null ? undefined : from - historyMs(source.settings, options.lookbacks ?? []);
  const bars: BarSeries = sliceBars(market, history, source.to ?? undefined);
  if (bars.length === 0 || (from !== null && bars.ts[bars.length - 1]! < from))
    throw new LabSourceError('no bars between --from and --to; widen the range or check the dates (UTC)');
  const barMs = inferBarMs(market.ts, market.length);
  let alerts: BacktestAlert[] =
    source.alerts === null
      ? demoSignals(bars, { symbol: source.symbol, period: source.demoPeriod, barMs })
      : loadAlertFile(source.alerts, {
          symbol: source.symbol,
          ...(source.timeZone ? { timeZone: source.timeZone } : {}),
        });
  alerts = alerts.filter((a) => a.symbol === source.symbol);
  return {
    symbol: source.symbol,
    bars,
    alerts,
    barMs,
    startTs: from,
    policy: source.policy,
    settings: source.settings,
    exchange: source.exchange,
    monteCarlo: source.monteCarlo,
    history: new HistoryCache(bars),
  };
}
