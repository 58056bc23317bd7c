/**
 * ProjectX models (projectx-gateway.md §5) and tolerant readers for them. Readers never throw on an
 * extra or missing optional field; a required field that is missing or of the wrong type throws an
 * error naming the model and the field. Prices are snapped to the contract's tick grid when it is
 * known, so `2208.100000000` and `2208.1` are the same number and arithmetic never drifts.
 */
import { snapToTick, type TickGrid } from '../../domain/ticks.ts';
import { type OrderState, orderStateOf } from './enums.ts';

export interface Account {
  readonly id: number;
  readonly name: string;
  readonly balance: number;
  readonly canTrade: boolean;
  readonly isVisible: boolean;
  readonly simulated: boolean;
}

export interface Contract {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly tickSize: number;
  readonly tickValue: number;
  readonly activeContract: boolean;
  /** `F.US.EP`; derived from the id when the server leaves it out. */
  readonly symbolId: string;
}

export interface Order {
  readonly id: number;
  readonly accountId: number;
  readonly contractId: string;
  readonly symbolId: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number | null;
  readonly status: number;
  readonly state: OrderState;
  readonly type: number;
  /** 0 buy, 1 sell. */
  readonly side: number;
  readonly size: number;
  readonly limitPrice: number | null;
  readonly stopPrice: number | null;
  readonly fillVolume: number;
  readonly filledPrice: number | null;
  readonly customTag: string | null;
  /** A bracket child's parent order (the local gateway sends it; ProjectX's field is unconfirmed, §8.2). */
  readonly parentOrderId?: number | null;
}

export interface Position {
  readonly id: number;
  readonly accountId: number;
  readonly contractId: string;
  readonly createdAt: number;
  /** 1 long, 2 short (the only source of direction). */
  readonly type: number;
  readonly size: number;
  readonly averagePrice: number;
}

export interface HalfTrade {
  readonly id: number;
  readonly accountId: number;
  readonly contractId: string;
  readonly createdAt: number;
  readonly price: number;
  /** null = a half-turn (opening fill). */
  readonly profitAndLoss: number | null;
  readonly fees: number;
  readonly commissions: number;
  readonly side: number;
  readonly size: number;
  readonly voided: boolean;
  readonly orderId: number;
}

export interface ProjectXBar {
  /** Bar open time, epoch ms UTC. */
  readonly ts: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Looks up the tick grid of a contract id, when known. */
export type GridLookup = (contractId: string) => TickGrid | undefined;

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** ISO-8601 with any number of fraction digits and an optional offset (none = UTC). Epoch ms. */
export function parseTimestamp(text: string, where = 'timestamp'): number {
  const m = ISO_RE.exec(text.trim());
  if (!m) throw new Error(`${where}: "${text}" is not an ISO-8601 timestamp`);
  const fraction = (m[7] ?? '').slice(0, 3).padEnd(3, '0');
  let ms = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    Number(m[6] ?? 0),
    Number(fraction),
  );
  const offset = m[8];
  if (offset && offset.toUpperCase() !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  return ms;
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

type Json = Record<string, unknown>;

function field(obj: Json, name: string): unknown {
  if (name in obj) return obj[name];
  // Tolerate PascalCase payloads.
  const pascal = name[0]!.toUpperCase() + name.slice(1);
  return obj[pascal];
}

export function asObject(value: unknown, model: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${model}: expected an object, got ${value === null ? 'null' : typeof value}`);
  }
  return value as Json;
}

function num(obj: Json, name: string, model: string): number {
  const v = field(obj, name);
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new Error(`${model}.${name}: expected a number, got ${JSON.stringify(v)}`);
}

function optNum(obj: Json, name: string, model: string): number | null {
  const v = field(obj, name);
  if (v === undefined || v === null) return null;
  return num(obj, name, model);
}

function str(obj: Json, name: string, model: string): string {
  const v = field(obj, name);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new Error(`${model}.${name}: expected a string, got ${JSON.stringify(v)}`);
}

function optStr(obj: Json, name: string): string | null {
  const v = field(obj, name);
  return typeof v === 'string' ? v : null;
}

function bool(obj: Json, name: string, fallback: boolean): boolean {
  const v = field(obj, name);
  return typeof v === 'boolean' ? v : fallback;
}

function time(obj: Json, name: string, model: string): number {
  return parseTimestamp(str(obj, name, model), `${model}.${name}`);
}

function optTime(obj: Json, name: string, model: string): number | null {
  const v = optStr(obj, name);
  return v ? parseTimestamp(v, `${model}.${name}`) : null;
}

function price(value: number | null, grid: TickGrid | undefined): number | null {
  if (value === null) return null;
  return grid ? snapToTick(value, grid) : value;
}

/** `CON.F.US.EP.Z25` → `F.US.EP` */
export function symbolIdOfContract(contractId: string): string {
  const parts = contractId.split('.');
  return parts.length >= 4 ? parts.slice(1, 4).join('.') : contractId;
}

export function readAccount(value: unknown): Account {
  const o = asObject(value, 'Account');
  return {
    id: num(o, 'id', 'Account'),
    name: str(o, 'name', 'Account'),
    balance: num(o, 'balance', 'Account'),
    canTrade: bool(o, 'canTrade', false),
    isVisible: bool(o, 'isVisible', true),
    simulated: bool(o, 'simulated', false),
  };
}

export function readContract(value: unknown): Contract {
  const o = asObject(value, 'Contract');
  const id = str(o, 'id', 'Contract');
  return {
    id,
    name: str(o, 'name', 'Contract'),
    description: optStr(o, 'description') ?? '',
    tickSize: num(o, 'tickSize', 'Contract'),
    tickValue: num(o, 'tickValue', 'Contract'),
    activeContract: bool(o, 'activeContract', false),
    symbolId: optStr(o, 'symbolId') ?? symbolIdOfContract(id),
  };
}

export function readOrder(value: unknown, grids?: GridLookup): Order {
  const o = asObject(value, 'Order');
  const contractId = str(o, 'contractId', 'Order');
  const grid = grids?.(contractId);
  const status = num(o, 'status', 'Order');
  return {
    id: num(o, 'id', 'Order'),
    accountId: num(o, 'accountId', 'Order'),
    contractId,
    symbolId: optStr(o, 'symbolId'),
    createdAt: time(o, 'creationTimestamp', 'Order'),
    updatedAt: optTime(o, 'updateTimestamp', 'Order'),
    status,
    state: orderStateOf(status),
    type: num(o, 'type', 'Order'),
    side: num(o, 'side', 'Order'),
    size: num(o, 'size', 'Order'),
    limitPrice: price(optNum(o, 'limitPrice', 'Order'), grid),
    stopPrice: price(optNum(o, 'stopPrice', 'Order'), grid),
    fillVolume: optNum(o, 'fillVolume', 'Order') ?? 0,
    filledPrice: price(optNum(o, 'filledPrice', 'Order'), grid),
    customTag: optStr(o, 'customTag'),
    parentOrderId: optNum(o, 'parentOrderId', 'Order') ?? null,
  };
}

export function readPosition(value: unknown, _grids?: GridLookup): Position {
  const o = asObject(value, 'Position');
  const contractId = str(o, 'contractId', 'Position');
  return {
    id: num(o, 'id', 'Position'),
    accountId: num(o, 'accountId', 'Position'),
    contractId,
    createdAt: optTime(o, 'creationTimestamp', 'Position') ?? 0,
    type: num(o, 'type', 'Position'),
    size: num(o, 'size', 'Position'),
    // An average price of several fills need not lie on the grid: keep it, rounded to 1e-9.
    averagePrice: Number(num(o, 'averagePrice', 'Position').toFixed(9)),
  };
}

export function readHalfTrade(value: unknown, grids?: GridLookup): HalfTrade {
  const o = asObject(value, 'Trade');
  const contractId = str(o, 'contractId', 'Trade');
  return {
    id: num(o, 'id', 'Trade'),
    accountId: num(o, 'accountId', 'Trade'),
    contractId,
    createdAt: time(o, 'creationTimestamp', 'Trade'),
    price: price(num(o, 'price', 'Trade'), grids?.(contractId)) as number,
    profitAndLoss: cents(optNum(o, 'profitAndLoss', 'Trade')),
    fees: cents(optNum(o, 'fees', 'Trade')) ?? 0,
    commissions: cents(optNum(o, 'commissions', 'Trade')) ?? 0,
    side: num(o, 'side', 'Trade'),
    size: num(o, 'size', 'Trade'),
    voided: bool(o, 'voided', false),
    orderId: num(o, 'orderId', 'Trade'),
  };
}

export function readBar(value: unknown, grid?: TickGrid): ProjectXBar {
  const o = asObject(value, 'Bar');
  const p = (name: string) => price(num(o, name, 'Bar'), grid) as number;
  return {
    ts: time(o, 't', 'Bar'),
    open: p('o'),
    high: p('h'),
    low: p('l'),
    close: p('c'),
    volume: num(o, 'v', 'Bar'),
  };
}

function cents(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}

/**
 * A list payload: `null`/missing stays `null` ("absent"), distinct from `[]` (§3). Null entries skipped.
 */
export function readList<T>(value: unknown, read: (item: unknown) => T, what: string): T[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${typeof value}`);
  return value.filter((x) => x !== null && x !== undefined).map(read);
}
