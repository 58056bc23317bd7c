/** ProjectX enums (projectx-gateway.md §6). Wire values are integers; we name them here once. */

export const OrderType = {
  Unknown: 0,
  Limit: 1,
  Market: 2,
  StopLimit: 3,
  Stop: 4,
  TrailingStop: 5,
  JoinBid: 6,
  JoinAsk: 7,
} as const;
export type OrderTypeCode = (typeof OrderType)[keyof typeof OrderType];

/** 0 Bid (buy), 1 Ask (sell). */
export const OrderSideCode = { Bid: 0, Ask: 1 } as const;

export const OrderStatus = {
  None: 0,
  Open: 1,
  Filled: 2,
  Cancelled: 3,
  Expired: 4,
  Rejected: 5,
  Pending: 6,
  PendingCancellation: 7,
  Suspended: 8,
} as const;

/** Our reading of an order status; an unknown value means "reconcile", never "cancelled". */
export type OrderState =
  | 'none'
  | 'working'
  | 'filled'
  | 'cancelled'
  | 'expired'
  | 'rejected'
  | 'pending'
  | 'pendingCancellation'
  | 'suspended'
  | 'unknown';

const STATUS_NAMES: Record<number, OrderState> = {
  0: 'none',
  1: 'working',
  2: 'filled',
  3: 'cancelled',
  4: 'expired',
  5: 'rejected',
  6: 'pending',
  7: 'pendingCancellation',
  8: 'suspended',
};

export function orderStateOf(status: number): OrderState {
  return STATUS_NAMES[status] ?? 'unknown';
}

/** Working from the book's point of view: may still fill (includes Suspended bracket legs). */
export function isWorkingState(state: OrderState): boolean {
  return (
    state === 'working' || state === 'pending' || state === 'pendingCancellation' || state === 'suspended'
  );
}

export function isTerminalState(state: OrderState): boolean {
  return state === 'filled' || state === 'cancelled' || state === 'expired' || state === 'rejected';
}

/** Statuses for Order/v2/query that cover every order that may still fill (§13). */
export const WORKING_STATUSES: readonly number[] = [1, 6, 7, 8];

export const PositionTypeCode = { Undefined: 0, Long: 1, Short: 2 } as const;

export const BarUnit = {
  Second: 1,
  Minute: 2,
  Hour: 3,
  Day: 4,
  Week: 5,
  Month: 6,
  Tick: 7,
} as const;
export type BarUnitName = 's' | 'm' | 'h' | 'd' | 'w' | 'mo';

/** Parse "1m", "5m", "1h", "1d", "30s" into a ProjectX unit and unit number. */
export function parseBarUnit(text: string): { unit: number; unitNumber: number } {
  const match = /^(\d+)(s|m|h|d|w|mo)$/.exec(text.trim());
  if (!match) {
    throw new Error(
      `bar unit "${text}" is not valid: use a number and one of s, m, h, d, w, mo (e.g. 1m, 5m, 1h)`,
    );
  }
  const unitNumber = Number(match[1]);
  if (unitNumber <= 0) throw new Error(`bar unit "${text}" is not valid: the number must be above zero`);
  const unit = { s: 1, m: 2, h: 3, d: 4, w: 5, mo: 6 }[match[2] as BarUnitName];
  return { unit, unitNumber };
}

/** Nominal length of one bar, ms (months taken as 31 days: only used to size request windows). */
export function barLengthMs(unit: number, unitNumber: number): number {
  const base = [0, 1_000, 60_000, 3_600_000, 86_400_000, 7 * 86_400_000, 31 * 86_400_000][unit] ?? 60_000;
  return base * unitNumber;
}
