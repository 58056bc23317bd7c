/**
 * Tolerant readers for hub event payloads (projectx-gateway.md §11, §12): `{action, data}` wrappers,
 * lists with `null` padding, PascalCase fields, and sparse quotes merged per contract (a missing field
 * keeps its last known value; it is never read as 0).
 */
import type { TickGrid } from '../../domain/ticks.ts';
import { snapToTick } from '../../domain/ticks.ts';
import {
  type Account,
  type GridLookup,
  type HalfTrade,
  type Order,
  type Position,
  parseTimestamp,
  readAccount,
  readHalfTrade,
  readOrder,
  readPosition,
} from './models.ts';

/** Every entity carried by one event argument: unwraps lists, skips nulls, unwraps `{action, data}`. */
export function entities(arg: unknown): Record<string, unknown>[] {
  const items = Array.isArray(arg) ? arg : [arg];
  const out: Record<string, unknown>[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const record = item as Record<string, unknown>;
    const inner = record.data ?? record.Data;
    if (inner !== null && typeof inner === 'object') {
      if (Array.isArray(inner)) out.push(...entities(inner));
      else out.push(inner as Record<string, unknown>);
    } else out.push(record);
  }
  return out;
}

export interface Quote {
  readonly contractId: string;
  readonly symbolId?: string;
  readonly lastPrice?: number;
  readonly bestBid?: number;
  readonly bestAsk?: number;
  readonly change?: number;
  readonly changePercent?: number;
  readonly open?: number;
  readonly high?: number;
  readonly low?: number;
  readonly volume?: number;
  /** Epoch ms of the last update that carried a time. */
  readonly ts?: number;
}

export interface MarketTrade {
  readonly contractId: string;
  readonly price: number;
  readonly size: number;
  /** Aggressor side (TradeLogType 0 buy, 1 sell), when given. */
  readonly aggressor?: 'buy' | 'sell';
  readonly ts: number;
}

const PRICE_FIELDS = ['lastPrice', 'bestBid', 'bestAsk', 'open', 'high', 'low'] as const;
const OTHER_FIELDS = ['change', 'changePercent', 'volume'] as const;

function pick(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  return o[name[0]!.toUpperCase() + name.slice(1)];
}

function finite(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function timeOf(o: Record<string, unknown>, ...names: string[]): number | undefined {
  for (const name of names) {
    const v = pick(o, name);
    if (typeof v === 'string' && v !== '') {
      try {
        return parseTimestamp(v, name);
      } catch {
        // Unreadable time: fall through to the next field.
      }
    }
  }
  return undefined;
}

/** Merges sparse quote updates per contract; the merged quote is what subscribers see. */
export class QuoteBook {
  private readonly quotes = new Map<string, Quote>();
  constructor(private readonly grids: GridLookup = () => undefined) {}

  /** Merge one GatewayQuote argument; returns the merged quote per entity (usually one). */
  apply(contractId: string, arg: unknown): Quote[] {
    const merged: Quote[] = [];
    for (const update of entities(arg)) merged.push(this.merge(contractId, update));
    return merged;
  }

  get(contractId: string): Quote | undefined {
    return this.quotes.get(contractId);
  }

  clear(): void {
    this.quotes.clear();
  }

  private merge(contractId: string, update: Record<string, unknown>): Quote {
    const grid = this.grids(contractId);
    const next: Record<string, unknown> = { ...(this.quotes.get(contractId) ?? { contractId }) };
    const symbol = pick(update, 'symbol') ?? pick(update, 'symbolId');
    if (typeof symbol === 'string' && symbol !== '') next.symbolId = symbol;
    for (const name of PRICE_FIELDS) {
      const v = finite(pick(update, name));
      if (v !== undefined) next[name] = grid ? snapToTick(v, grid) : v;
    }
    for (const name of OTHER_FIELDS) {
      const v = finite(pick(update, name));
      if (v !== undefined) next[name] = v;
    }
    const ts = timeOf(update, 'timestamp', 'lastUpdated');
    if (ts !== undefined) next.ts = ts;
    const quote = next as unknown as Quote;
    this.quotes.set(contractId, quote);
    return quote;
  }
}

/** GatewayTrade `(contractId, data)`: one object or a list (possibly null-padded). */
export function readMarketTrades(contractId: string, arg: unknown, grid?: TickGrid): MarketTrade[] {
  const out: MarketTrade[] = [];
  for (const e of entities(arg)) {
    const price = finite(pick(e, 'price'));
    const ts = timeOf(e, 'timestamp');
    if (price === undefined || ts === undefined) continue;
    const type = finite(pick(e, 'type'));
    const trade: MarketTrade = {
      contractId,
      price: grid ? snapToTick(price, grid) : price,
      size: finite(pick(e, 'volume')) ?? finite(pick(e, 'size')) ?? 0,
      ts,
      ...(type === 0 ? { aggressor: 'buy' as const } : type === 1 ? { aggressor: 'sell' as const } : {}),
    };
    out.push(trade);
  }
  return out;
}

export interface Decoded<T> {
  readonly items: T[];
  /** One message per entity that could not be read (which field, why). */
  readonly errors: string[];
}

function decodeAll<T>(arg: unknown, read: (e: unknown) => T): Decoded<T> {
  const items: T[] = [];
  const errors: string[] = [];
  for (const e of entities(arg)) {
    try {
      items.push(read(e));
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { items, errors };
}

export const readUserOrders = (arg: unknown, grids?: GridLookup): Decoded<Order> =>
  decodeAll(arg, (e) => readOrder(e, grids));
export const readUserPositions = (arg: unknown, grids?: GridLookup): Decoded<Position> =>
  decodeAll(arg, (e) => readPosition(e, grids));
export const readUserTrades = (arg: unknown, grids?: GridLookup): Decoded<HalfTrade> =>
  decodeAll(arg, (e) => readHalfTrade(e, grids));
export const readUserAccounts = (arg: unknown): Decoded<Account> => decodeAll(arg, readAccount);

/** SignalR JSON frames: records end with 0x1E; several records may share one frame. */
export function splitRecords(frame: string): string[] {
  return frame.split('\u001e').filter((r) => r.length > 0);
}
