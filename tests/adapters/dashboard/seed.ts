/**
 * A small, varied trading history for the dashboard tests: alerts → signals → positions → trades
 * over three symbols, open and closed positions, filtered signals with reasons, a guard state and
 * a stored backtest, plus a folder with a JSON + HTML backtest report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../../src/ports/store.ts';
import { alert, position, signal, T0, trade } from '../store/fixtures.ts';

export { T0 };
export const MINUTE = 60_000;
export const SYMBOLS = ['ES', 'NQ', 'GC'] as const;
/** Closed trades seeded (for pagination checks). */
export const TRADE_COUNT = 24;
export const OPEN_COUNT = 3;

const PRICE: Record<string, number> = { ES: 5012.25, NQ: 18000.5, GC: 2400.1 };

export async function seedHistory(store: Store): Promise<void> {
  for (let i = 0; i < TRADE_COUNT + OPEN_COUNT + 4; i++) {
    const symbol = SYMBOLS[i % 3]!;
    const at = T0 + i * 30 * MINUTE;
    const key = `k${i}`;
    const { id: alertId } = await store.insertAlert(
      alert(key, {
        receivedAt: at,
        parsed: {
          key,
          symbol,
          ticker: `${symbol}1!`,
          action: i % 2 ? 'sell' : 'buy',
          dialect: 'json',
          firedAt: at - 500,
        },
        status: 'processed',
      }),
    );
    const signalId = `s${i}`;
    const filtered = i >= TRADE_COUNT + OPEN_COUNT;
    await store.upsertSignal(
      signal(signalId, {
        alertId,
        symbol,
        action: i % 2 ? 'sell' : 'buy',
        status: filtered ? 'FILTERED' : 'EXECUTED',
        reason: filtered
          ? `confirmation score 41 is below the threshold 60 (${symbol})`
          : 'opened at the value-area edge',
        executedTradeId: filtered ? null : `p${i}`,
        confirmationScore: filtered ? 41 : 70 + (i % 20),
        createdAt: at,
        updatedAt: at,
      }),
    );
    if (filtered) continue;
    const entry = PRICE[symbol]!;
    const side = i % 2 ? 'short' : 'long';
    const base = position(`p${i}`, {
      signalId,
      alertId,
      symbol,
      side,
      entryPrice: entry,
      stopPrice: side === 'long' ? entry - 5 : entry + 5,
      tp1: side === 'long' ? entry + 4 : entry - 4,
      tp2: side === 'long' ? entry + 8 : entry - 8,
      tp3: side === 'long' ? entry + 12 : entry - 12,
      poc: entry + (side === 'long' ? 6 : -6),
      vah: side === 'long' ? entry + 10 : entry,
      val: side === 'long' ? entry : entry - 10,
      openedAt: at,
      updatedAt: at,
    });
    if (i >= TRADE_COUNT) {
      await store.upsertPositions([
        {
          ...base,
          state: i === TRADE_COUNT ? 'pending_entry' : 'active',
          filledQuantity: i === TRADE_COUNT ? 0 : 2,
        },
      ]);
      continue;
    }
    const win = i % 3 !== 1;
    const net = win ? 100 + i * 10 : -(150 + i);
    await store.closePositionWithTrade(
      {
        ...base,
        state: 'closed',
        filledQuantity: 2,
        closedAt: at + 20 * MINUTE,
        updatedAt: at + 20 * MINUTE,
        realizedPnl: net,
      },
      trade(`p${i}`, {
        symbol,
        side,
        entryPrice: entry,
        exitPrice: entry + (win ? 4 : -5) * (side === 'long' ? 1 : -1),
        entryTime: at + MINUTE,
        exitTime: at + 20 * MINUTE,
        grossPnl: net + 5,
        netPnl: net,
        commissions: 5,
        exitReason: win ? 'stop_tp1' : 'initial_stop',
        highestTarget: win ? 2 : 0,
        initialStop: base.stopPrice,
        poc: base.poc,
        vah: base.vah,
        val: base.val,
      }),
    );
  }
  // An alert the intake turned away: it never becomes a signal, but the dashboard shows it.
  await store.insertAlert(
    alert('k-rejected', {
      receivedAt: T0 + 40 * 30 * MINUTE,
      parsed: null,
      status: 'rejected',
      reason:
        '401: the webhook secret does not match — copy WEBHOOK_SECRET into the TradingView alert message',
    }),
  );
  await store.saveGuardState({
    accountId: 'ACC-1',
    tradingDay: '2026-03-10',
    dayStartBalance: 50_000,
    dailyRealizedPnl: -400,
    highWaterMark: 51_000,
    dailyLossLatched: false,
    drawdownLatched: false,
    latchedReason: null,
    updatedAt: T0,
  });
  await store.saveBacktest({
    id: 'bt-stored-1',
    name: 'stored ES run',
    createdAt: T0 - 86_400_000,
    params: { symbol: 'ES' },
    report: {
      format: 'valuearea-backtest/1',
      symbol: 'ES',
      metrics: { trades: 3, totalNetPnl: 120.5, winRate: 0.66 },
      trades: [],
    },
  });
}

/** A reports folder with one JSON report and its HTML twin. */
export function backtestFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'valuearea-reports-'));
  const report = {
    format: 'valuearea-backtest/1',
    symbol: 'GC',
    span: { from: '2013-10-07T00:00:00.000Z', to: '2013-10-11T21:14:00.000Z', bars: 6687 },
    metrics: {
      trades: 2,
      totalNetPnl: -42.5,
      winRate: 0.5,
      profitFactor: 0.8,
      maxDrawdown: 200,
      equityCurve: [
        { ts: Date.UTC(2013, 9, 7), equity: 50_000 },
        { ts: Date.UTC(2013, 9, 8), equity: 50_150 },
        { ts: Date.UTC(2013, 9, 9), equity: 49_957.5 },
      ],
    },
    trades: [
      {
        positionId: 'b1',
        symbol: 'GC',
        side: 'long',
        quantity: 1,
        entryPrice: 1320.1,
        exitPrice: 1321.6,
        netPnl: 150,
        exitReason: 'stop_tp1',
        entryTime: Date.UTC(2013, 9, 7, 14),
        exitTime: Date.UTC(2013, 9, 8, 15),
      },
      {
        positionId: 'b2',
        symbol: 'GC',
        side: 'short',
        quantity: 1,
        entryPrice: 1310.4,
        exitPrice: 1312.3,
        netPnl: -192.5,
        exitReason: 'initial_stop',
        entryTime: Date.UTC(2013, 9, 9, 14),
        exitTime: Date.UTC(2013, 9, 9, 16),
      },
    ],
  };
  writeFileSync(join(dir, 'gc-week.json'), JSON.stringify(report));
  writeFileSync(
    join(dir, 'gc-week.html'),
    '<!doctype html><html><body><h1 id="report-title">Backtest GC report</h1></body></html>',
  );
  writeFileSync(join(dir, 'notes.json'), JSON.stringify({ not: 'a report' }));
  return dir;
}
