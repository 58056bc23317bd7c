/**
 * History/retrieveBars for the fake: bars aggregated from the prices pushed so far, or, for a contract
 * with no prints in the window, a deterministic synthetic series (seeded by contract id) so that a
 * client can page through any range. Bars come back newest first, like the docs sample (§4.4).
 */
import type { GatewayContractSetup } from './types.ts';
import { priceOf, ticksOf } from './wire-format.ts';

export interface BarRecord {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export interface BarQuery {
  contract: GatewayContractSetup;
  startMs: number;
  endMs: number;
  unit: number;
  unitNumber: number;
  limit: number;
  includePartialBar: boolean;
  nowMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const UNIT_MS: Record<number, number> = { 1: SECOND, 2: MINUTE, 3: HOUR, 4: DAY };

interface Prints {
  ts: number[];
  ticks: number[];
  size: number[];
}

export class BarHistory {
  private readonly prints = new Map<string, Prints>();

  record(contractId: string, ts: number, priceTicks: number, size: number): void {
    let prints = this.prints.get(contractId);
    if (!prints) {
      prints = { ts: [], ticks: [], size: [] };
      this.prints.set(contractId, prints);
    }
    prints.ts.push(ts);
    prints.ticks.push(priceTicks);
    prints.size.push(size);
  }

  /** Bars newest first; at most `limit`, the most recent of the window. */
  retrieve(query: BarQuery): BarRecord[] {
    const prints = this.prints.get(query.contract.id);
    const inWindow = prints ? printsInWindow(prints, query.startMs, query.endMs) : [];
    if (query.unit === 7) return tickBars(inWindow, prints, query);
    const bars = inWindow.length > 0 ? aggregate(inWindow, prints!, query) : synthetic(query);
    return bars;
  }
}

function printsInWindow(prints: Prints, startMs: number, endMs: number): number[] {
  const indexes: number[] = [];
  for (let i = 0; i < prints.ts.length; i += 1) {
    const ts = prints.ts[i]!;
    if (ts >= startMs && ts < endMs) indexes.push(i);
  }
  // Prints may arrive out of time order from a caller; bars are built in time order.
  indexes.sort((a, b) => prints.ts[a]! - prints.ts[b]! || a - b);
  return indexes;
}

function bucketStart(ts: number, unit: number, unitNumber: number): number {
  const fixed = UNIT_MS[unit];
  if (fixed !== undefined) return Math.floor(ts / (fixed * unitNumber)) * fixed * unitNumber;
  if (unit === 5) {
    // Weeks start Sunday 00:00 UTC (the CME week opens Sunday evening); epoch day 3 was a Sunday.
    const weekIndex = Math.floor((ts - 3 * DAY) / WEEK);
    return Math.floor(weekIndex / unitNumber) * unitNumber * WEEK + 3 * DAY;
  }
  const date = new Date(ts);
  const monthIndex = date.getUTCFullYear() * 12 + date.getUTCMonth();
  const first = Math.floor(monthIndex / unitNumber) * unitNumber;
  return Date.UTC(Math.floor(first / 12), first % 12, 1);
}

function bucketEnd(start: number, unit: number, unitNumber: number): number {
  const fixed = UNIT_MS[unit];
  if (fixed !== undefined) return start + fixed * unitNumber;
  if (unit === 5) return start + WEEK * unitNumber;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + unitNumber, 1);
}

function aggregate(indexes: number[], prints: Prints, query: BarQuery): BarRecord[] {
  const tick = query.contract.tickSize;
  const bars: BarRecord[] = [];
  let current: { t: number; o: number; h: number; l: number; c: number; v: number } | null = null;
  for (const i of indexes) {
    const t = bucketStart(prints.ts[i]!, query.unit, query.unitNumber);
    const p = prints.ticks[i]!;
    const v = prints.size[i]!;
    if (!current || current.t !== t) {
      if (current) bars.push(toBar(current, tick));
      current = { t, o: p, h: p, l: p, c: p, v };
    } else {
      current.h = Math.max(current.h, p);
      current.l = Math.min(current.l, p);
      current.c = p;
      current.v += v;
    }
  }
  if (current) bars.push(toBar(current, tick));
  return finish(bars, query);
}

function tickBars(indexes: number[], prints: Prints | undefined, query: BarQuery): BarRecord[] {
  if (!prints) return [];
  const tick = query.contract.tickSize;
  const bars: BarRecord[] = [];
  for (let k = 0; k < indexes.length; k += query.unitNumber) {
    const group = indexes.slice(k, k + query.unitNumber);
    const first = group[0]!;
    const ticks = group.map((i) => prints.ticks[i]!);
    bars.push(
      toBar(
        {
          t: prints.ts[first]!,
          o: ticks[0]!,
          h: Math.max(...ticks),
          l: Math.min(...ticks),
          c: ticks[ticks.length - 1]!,
          v: group.reduce((sum, i) => sum + prints.size[i]!, 0),
        },
        tick,
      ),
    );
  }
  const partial = bars.length > 0 && indexes.length % query.unitNumber !== 0;
  if (partial && !query.includePartialBar) bars.pop();
  return bars.reverse().slice(0, query.limit);
}

function toBar(bar: BarRecord, tick: number): BarRecord {
  return {
    t: bar.t,
    o: priceOf(bar.o, tick),
    h: priceOf(bar.h, tick),
    l: priceOf(bar.l, tick),
    c: priceOf(bar.c, tick),
    v: bar.v,
  };
}

/** Drop the still-forming bar unless asked for, then newest first and the most recent `limit`. */
function finish(ascending: BarRecord[], query: BarQuery): BarRecord[] {
  const bars = ascending.filter(
    (bar) => query.includePartialBar || bucketEnd(bar.t, query.unit, query.unitNumber) <= query.nowMs,
  );
  return bars.reverse().slice(0, query.limit);
}

// ---------------------------------------------------------------- synthetic series

function synthetic(query: BarQuery): BarRecord[] {
  const { contract, unit, unitNumber } = query;
  const seed = hashString(contract.id);
  const referenceTicks = ticksOf(contract.referencePrice ?? 1000, contract.tickSize);
  const bars: BarRecord[] = [];
  const first = bucketStart(query.startMs, unit, unitNumber);
  let t = bucketStart(query.endMs - 1, unit, unitNumber);
  while (t >= first && bars.length < query.limit) {
    const end = bucketEnd(t, unit, unitNumber);
    const partial = end > query.nowMs;
    const weekend = new Date(t).getUTCDay() === 6 && unit <= 3;
    if (t >= query.startMs && t <= query.nowMs && (!partial || query.includePartialBar) && !weekend) {
      bars.push(syntheticBar(t, Math.min(end, query.nowMs + 1), referenceTicks, seed, contract.tickSize));
    }
    t = bucketStart(t - 1, unit, unitNumber);
  }
  return bars;
}

/** A smooth multi-scale wave plus hashed wiggle: continuous in time, so any window is consistent. */
function syntheticTicks(ms: number, referenceTicks: number, seed: number): number {
  const phase = (seed % 1000) / 159;
  const scale = referenceTicks * 0.01;
  const wave =
    0.35 * Math.sin(ms / (3.1 * HOUR) + phase) +
    1.2 * Math.sin(ms / (2.3 * DAY) + phase * 2) +
    3 * Math.sin(ms / (17 * DAY) + phase * 3);
  return Math.round(referenceTicks + wave * scale);
}

function syntheticBar(
  start: number,
  end: number,
  referenceTicks: number,
  seed: number,
  tick: number,
): BarRecord {
  const open = syntheticTicks(start, referenceTicks, seed);
  const close = syntheticTicks(end - 1, referenceTicks, seed);
  let high = Math.max(open, close);
  let low = Math.min(open, close);
  for (let k = 1; k <= 4; k += 1) {
    const inner = syntheticTicks(start + ((end - start) * k) / 5, referenceTicks, seed);
    high = Math.max(high, inner);
    low = Math.min(low, inner);
  }
  const noise = hashNumber(seed, start);
  high += noise % 3;
  low -= (noise >>> 3) % 3;
  const volume = 50 + (noise % 1950);
  return toBar({ t: start, o: open, h: high, l: low, c: close, v: volume }, tick);
}

function hashString(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return hash >>> 0;
}

function hashNumber(seed: number, value: number): number {
  let hash = seed ^ Math.floor(value / 1000);
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
  return (hash ^ (hash >>> 16)) >>> 0;
}
