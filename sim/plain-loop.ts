/**
 * Plain-loop baseline for the benchmark: the same data, path policy, entry plans, fill rules and stop
 * ladder as a backtest, written as one function over the typed arrays with no clock, no exchange
 * object and no actors. It shows what the actor machinery costs; it is not a second implementation
 * of the product (no latency, no partial fills, one position at a time, entry legs[0] only).
 */

import { feePerSide } from '../src/domain/fees.ts';
import { getInstrument } from '../src/domain/instruments.ts';
import { buildEntryPlan } from '../src/domain/plan.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../src/domain/settings.ts';
import type { EntryPlan } from '../src/domain/types.ts';
import type { BacktestAlert } from './alerts.ts';
import type { BarSeries, TickSeries } from './csv.ts';
import { barPath, PathBuffer } from './path.ts';
import { historyBefore } from './replay.ts';

export interface PlainLoopResult {
  readonly trades: number;
  readonly netPnl: number;
  readonly pricePoints: number;
}

export function plainLoopBacktest(
  symbol: string,
  bars: BarSeries,
  alerts: readonly BacktestAlert[],
  barMs: number,
  settingsPatch: Partial<BotSettings> = {},
  slippageTicks = 1,
  ticks?: TickSeries,
): PlainLoopResult {
  const settings = { ...DEFAULT_SETTINGS, ...settingsPatch };
  const instrument = getInstrument(symbol);
  if (instrument === undefined) throw new Error(`unknown symbol ${symbol}`);
  const tick = instrument.tickSize;
  const pointValue = instrument.tickValue / tick;
  const fee = feePerSide(symbol);
  const path = new PathBuffer();
  let plan = null as EntryPlan | null;
  let dir = 0;
  let filled = false;
  let entry = 0;
  let stop = 0;
  let rung = 0;
  let expiresAt = 0;
  let closing = false;
  let trades = 0;
  let netPnl = 0;
  let pricePoints = 0;
  let a = 0;
  const exit = (price: number) => {
    netPnl += (price - entry) * dir * plan!.quantity * pointValue - 2 * fee * plan!.quantity;
    trades++;
    plan = null;
  };
  const point = (price: number, ts: number, sweep: boolean) => {
    while (a < alerts.length && alerts[a]!.ts <= ts) {
      const alert = alerts[a++]!;
      if (plan !== null) {
        const opposing = alert.action === 'close' || (alert.action === 'buy' ? dir < 0 : dir > 0);
        if (opposing) {
          if (filled) closing = true;
          else plan = null;
        }
        continue;
      }
      if (alert.action === 'close') continue;
      const history = historyBefore(bars, alert.ts, barMs, settings.profileLookbackMinutes * 60_000);
      if (history.length === 0) continue;
      const result = buildEntryPlan({
        bars: history.toBars(),
        side: alert.action === 'buy' ? 'long' : 'short',
        instrument,
        settings,
      });
      if (!result.ok) continue;
      plan = result.plan;
      dir = plan.side === 'long' ? 1 : -1;
      filled = false;
      closing = false;
      rung = 0;
      stop = plan.stopPrice;
      expiresAt = alert.ts + settings.entryTimeoutMs;
    }
    pricePoints++;
    if (plan === null) return;
    if (closing) {
      exit(price - dir * slippageTicks * tick);
      return;
    }
    if (!filled) {
      if (ts >= expiresAt) {
        plan = null;
        return;
      }
      if (dir * (plan.entryPrice - price) > 0) {
        filled = true;
        entry = sweep
          ? plan.entryPrice
          : dir > 0
            ? Math.min(price, plan.entryPrice)
            : Math.max(price, plan.entryPrice);
      }
      return;
    }
    if (dir * (price - stop) <= 0) {
      exit((sweep ? stop : price) - dir * slippageTicks * tick);
      return;
    }
    while (rung < 3) {
      const target = rung === 0 ? plan.tp1 : rung === 1 ? plan.tp2 : plan.tp3;
      if (dir * (price - target) < 0) break;
      rung++;
      stop = rung === 1 ? entry : rung === 2 ? plan.tp1 : plan.tp2;
    }
    if (rung === 3 && settings.closeAtTp3) exit(plan.tp3);
  };
  if (ticks !== undefined) {
    for (let i = 0; i < ticks.length; i++) point(ticks.price[i]!, ticks.ts[i]!, i > 0);
  } else {
    for (let i = 0; i < bars.length; i++) {
      const n = barPath(
        'conservative',
        bars.ts[i]!,
        bars.open[i]!,
        bars.high[i]!,
        bars.low[i]!,
        bars.close[i]!,
        barMs,
        plan === null ? 0 : dir > 0 ? 1 : -1,
        path,
      );
      for (let k = 0; k < n; k++) point(path.price[k]!, path.ts[k]!, path.sweep[k] === 1);
    }
  }
  return { trades, netPnl: Math.round(netPnl * 100) / 100, pricePoints };
}
