/**
 * Plain value types shared by the domain, the machines, the runtime and the adapters.
 * Times are epoch milliseconds (UTC) carried in events; nothing here reads a clock.
 * Prices are in instrument units and always tick-aligned canonical numbers (see ticks.ts);
 * money is in dollars.
 */

export type Side = 'long' | 'short';
export type OrderSide = 'buy' | 'sell';

/** What an alert asks for, after dialect parsing and normalisation. */
export type AlertAction = 'buy' | 'sell' | 'close' | 'cancel' | 'add';

export interface Instrument {
  /** Our root symbol: ES, MES, NQ, MNQ, RTY, M2K, CL, MCL, GC, MGC. */
  readonly symbol: string;
  readonly name: string;
  readonly exchange: string;
  readonly tickSize: number;
  /** Dollars per tick per contract. */
  readonly tickValue: number;
  /** Decimal places of a tick-aligned price (0.25 → 2, 0.1 → 1, 0.01 → 2). */
  readonly decimals: number;
  /** The ProjectX symbol root (ES → EP, NQ → ENQ, MES → MES …). */
  readonly projectxRoot: string;
  readonly marketType: 'futures';
  readonly micro: boolean;
}

export interface Bar {
  /** Bar open time, epoch ms UTC. */
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export interface PriceTick {
  readonly ts: number;
  readonly symbol: string;
  readonly price: number;
  readonly size?: number;
  /**
   * The venue's contract the print is of (CON.F.US.EP.H27), where the venue names one. Around a
   * roll a root symbol has two: positions hear only their own contract's prints (docs/rollover.md).
   */
  readonly contractId?: string;
}

/** Why a position ended. Mirrors the metrics reference's "exits by reason". */
export type { ExitReason } from './vocabulary.ts';

/** One limit entry of a plan: the value-area edge first, then any DCA rungs. */
export interface EntryLeg {
  readonly price: number;
  readonly quantity: number;
}

/** The order plan for one position, built by the domain (levels + sizing) before the machine starts. */
export interface EntryPlan {
  readonly side: Side;
  /** Main entry price (VAL for long, VAH for short). */
  readonly entryPrice: number;
  /** Initial protective stop. */
  readonly stopPrice: number;
  readonly tp1: number;
  readonly tp2: number;
  readonly tp3: number;
  /** Entry legs; legs[0] is the main entry at entryPrice; more legs are DCA rungs toward the stop. */
  readonly legs: readonly EntryLeg[];
  /** Total planned contracts (sum of legs). */
  readonly quantity: number;
  /** Dollars lost if every leg fills and the initial stop is hit (before costs). */
  readonly riskDollars: number;
  readonly poc: number;
  readonly vah: number;
  readonly val: number;
  readonly profileLow: number;
  readonly profileHigh: number;
  readonly confirmationScore: number | null;
}

/** Price band inside which no tick can change a position's state. */
export interface PriceBand {
  /** A tick at or below this price must be delivered. */
  readonly low: number;
  /** A tick at or above this price must be delivered. */
  readonly high: number;
  /** A tick (or clock event) at or after this time must be delivered. */
  readonly until: number;
}

export const OPEN_BAND: PriceBand = {
  low: Number.NEGATIVE_INFINITY,
  high: Number.POSITIVE_INFINITY,
  until: Number.POSITIVE_INFINITY,
};
