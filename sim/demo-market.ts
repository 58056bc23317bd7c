/**
 * The demo market for `npm start` without credentials: a synthetic price history with a clear
 * value area (so a profile exists from the first second), a live price that wanders around it, and
 * a demo alert schedule. After each entry the price walks the trade's ladder (down to the entry,
 * and on through one of four outcomes in turn: a TP3 winner, an initial-stop loser, a breakeven
 * scratch, a TP2 trade stopped at TP1), so a newcomer sees a whole trade within a minute. Prices
 * are scripted, not random, apart from a small seeded wiggle; this is a demo feed, never used for
 * decisions about real money.
 */
import { addTicks, fromTicks, toTicks } from '../src/domain/ticks.ts';
import type { Bar, EntryPlan, Instrument } from '../src/domain/types.ts';
import { mulberry32 } from './random.ts';

const MINUTE = 60_000;

/** 1m bars that oscillate around `center` with most volume near it: a value area ±~10 ticks. */
export function demoHistory(
  instrument: Instrument,
  center: number,
  endTs: number,
  minutes = 240,
  seed = 7,
): Bar[] {
  const rnd = mulberry32(seed);
  const bars: Bar[] = [];
  const centerTicks = toTicks(center, instrument);
  for (let i = minutes; i >= 1; i--) {
    const ts = Math.floor(endTs / MINUTE) * MINUTE - i * MINUTE;
    const swing = Math.round(Math.sin(i / 6) * 10 + (rnd() - 0.5) * 6);
    const open = centerTicks + swing;
    const close = open + Math.round((rnd() - 0.5) * 4);
    const high = Math.max(open, close) + 1 + Math.floor(rnd() * 3);
    const low = Math.min(open, close) - 1 - Math.floor(rnd() * 3);
    const volume = Math.round(200 + 800 * Math.exp(-(swing * swing) / 40) + rnd() * 100);
    bars.push({
      ts,
      open: fromTicks(open, instrument),
      high: fromTicks(high, instrument),
      low: fromTicks(low, instrument),
      close: fromTicks(close, instrument),
      volume,
    });
  }
  return bars;
}

interface Waypoint {
  readonly ticks: number;
  readonly durationMs: number;
}

/** A scripted price: straight walks between waypoints, then a gentle wiggle around the center. */
export class DemoPrice {
  private readonly rnd: () => number;
  private path: Waypoint[] = [];
  private legStartTicks: number;
  private legStartTs: number;
  private currentTicks: number;
  private trades = 0;

  constructor(
    private readonly instrument: Instrument,
    private readonly center: number,
    startTs: number,
    seed = 11,
  ) {
    this.rnd = mulberry32(seed);
    this.currentTicks = toTicks(center, instrument);
    this.legStartTicks = this.currentTicks;
    this.legStartTs = startTs;
  }

  /**
   * Walk a freshly placed entry through one of four outcomes, in turn: a winner that climbs TP1–TP3
   * and gives back to the TP2 stop; a loser stopped at its initial stop; a scratch that reaches TP1
   * and comes back to the breakeven stop; a TP2 trade stopped at TP1. Losses come as well as wins,
   * so the demo's figures look like trading, not like a brochure.
   */
  scriptTrade(plan: EntryPlan, ts: number): void {
    const g = this.instrument;
    const dir = plan.side === 'long' ? 1 : -1;
    const t = (price: number, ticks = 0) => toTicks(addTicks(price, dir * ticks, g), g);
    const fill = { ticks: t(plan.entryPrice, -2), durationMs: 5_000 };
    const home = { ticks: toTicks(this.center, g), durationMs: 6_000 };
    const outcome = this.trades++ % 4;
    const middle: Waypoint[] =
      outcome === 0
        ? [
            { ticks: t(plan.tp1, 1), durationMs: 6_000 },
            { ticks: t(plan.tp2, 1), durationMs: 5_000 },
            { ticks: t(plan.tp3, 2), durationMs: 5_000 },
            { ticks: t(plan.tp2, -2), durationMs: 6_000 },
          ]
        : outcome === 1
          ? [
              { ticks: t(plan.entryPrice, 2), durationMs: 4_000 },
              { ticks: t(plan.stopPrice, -2), durationMs: 8_000 },
            ]
          : outcome === 2
            ? [
                { ticks: t(plan.tp1, 1), durationMs: 6_000 },
                { ticks: t(plan.entryPrice, -2), durationMs: 6_000 },
              ]
            : [
                { ticks: t(plan.tp1, 1), durationMs: 6_000 },
                { ticks: t(plan.tp2, 1), durationMs: 5_000 },
                { ticks: t(plan.tp1, -2), durationMs: 6_000 },
              ];
    this.path = [fill, ...middle, home];
    this.legStartTicks = this.currentTicks;
    this.legStartTs = ts;
  }

  /** The price at `ts` (call with increasing times). */
  priceAt(ts: number): number {
    let leg = this.path[0];
    while (leg && ts - this.legStartTs >= leg.durationMs) {
      this.legStartTs += leg.durationMs;
      this.legStartTicks = leg.ticks;
      this.path.shift();
      leg = this.path[0];
    }
    if (leg) {
      const f = (ts - this.legStartTs) / leg.durationMs;
      this.currentTicks = Math.round(this.legStartTicks + (leg.ticks - this.legStartTicks) * f);
    } else {
      const centerTicks = toTicks(this.center, this.instrument);
      const pull = Math.sign(centerTicks - this.currentTicks);
      this.currentTicks += this.rnd() < 0.5 + pull * 0.1 ? 1 : -1;
      this.legStartTicks = this.currentTicks;
      this.legStartTs = ts;
    }
    return fromTicks(this.currentTicks, this.instrument);
  }

  get scripted(): boolean {
    return this.path.length > 0;
  }
}

/** Demo alerts: alternating buy and sell, TradersPost-style JSON as TradingView would send it. */
export function demoAlertBody(symbol: string, n: number, ts: number, secret?: string): string {
  const body: Record<string, string> = {
    ticker: `${symbol}1!`,
    action: n % 2 === 0 ? 'buy' : 'sell',
    time: new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    strategy: 'valuearea-demo',
    id: `demo-${Math.floor(ts / 1000)}-${n}`,
  };
  if (secret) body.passphrase = secret;
  return JSON.stringify(body);
}

/** Where the demo market centres its value area when the venue has no price of its own. */
export const DEMO_CENTERS: Readonly<Record<string, number>> = {
  ES: 5000,
  MES: 5000,
  NQ: 17500,
  MNQ: 17500,
  RTY: 2000,
  M2K: 2000,
  CL: 75,
  MCL: 75,
  GC: 2000,
  MGC: 2000,
};

export function demoCenter(symbol: string): number {
  return DEMO_CENTERS[symbol] ?? 100;
}
