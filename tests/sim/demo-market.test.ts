/**
 * The demo market's scripted trades: losses as well as wins. Each entry's price path is walked
 * through a plain stop ladder (TP1 → stop at entry, TP2 → TP1, TP3 → TP2) to see how it ends.
 */
import { describe, expect, it } from 'vitest';
import { DemoPrice } from '../../sim/demo-market.ts';
import { getInstrument } from '../../src/domain/instruments.ts';
import type { EntryPlan } from '../../src/domain/types.ts';

const ES = getInstrument('ES')!;
const plan = (side: 'long' | 'short'): EntryPlan => {
  // At the value-area edge: VAL below the demo's centre for a long, VAH above it for a short.
  const d = side === 'long' ? 1 : -1;
  const entry = 5000 - d * 2;
  return {
    side,
    entryPrice: entry,
    stopPrice: entry - d * 2,
    tp1: entry + d * 1,
    tp2: entry + d * 2,
    tp3: entry + d * 4,
    legs: [{ price: entry, quantity: 1 }],
    quantity: 1,
    riskDollars: 100,
    poc: 5000,
    vah: 5002,
    val: 4998,
    profileLow: 4990,
    profileHigh: 5010,
    confirmationScore: null,
  } as EntryPlan;
};

/** Where a trade on this path ends: the exit reason and its result in points. */
function walk(price: DemoPrice, p: EntryPlan, from: number): { reason: string; points: number } {
  const d = p.side === 'long' ? 1 : -1;
  let filled = false;
  let rung = 0;
  let stop = p.stopPrice;
  for (let ts = from; ts < from + 60_000; ts += 250) {
    const px = price.priceAt(ts);
    if (!filled) {
      filled = d * (px - p.entryPrice) <= 0;
      continue;
    }
    if (d * (px - stop) <= 0)
      return {
        reason: ['initial_stop', 'stop_breakeven', 'stop_tp1', 'stop_tp2'][rung]!,
        points: d * (stop - p.entryPrice),
      };
    const targets = [p.tp1, p.tp2, p.tp3];
    for (let k = rung; k < 3; k++)
      if (d * (px - targets[k]!) >= 0) {
        rung = k + 1;
        stop = rung === 1 ? p.entryPrice : targets[rung - 2]!;
      }
  }
  return { reason: filled ? 'open' : 'not filled', points: 0 };
}

describe('the demo market', () => {
  it.each(['long', 'short'] as const)('%s trades end four ways in turn, losers among them', (side) => {
    const price = new DemoPrice(ES, 5000, 0);
    const outcomes: string[] = [];
    let points = 0;
    let from = 0;
    for (let n = 0; n < 8; n++) {
      price.scriptTrade(plan(side), from);
      const r = walk(price, plan(side), from);
      outcomes.push(r.reason);
      points += r.points;
      // The bot sends the next demo alert only once the script has come home.
      from += 60_000;
      while (price.scripted) {
        from += 250;
        price.priceAt(from);
      }
    }
    expect(outcomes).toEqual([
      'stop_tp2',
      'initial_stop',
      'stop_breakeven',
      'stop_tp1',
      'stop_tp2',
      'initial_stop',
      'stop_breakeven',
      'stop_tp1',
    ]);
    // Two winners, a loser and a scratch per round: positive but not flawless.
    expect(points).toBe(2 * (2 - 2 + 0 + 1));
  });
});
