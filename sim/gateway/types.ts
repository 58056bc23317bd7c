/**
 * Wire models and enums of the ProjectX Gateway API as the local gateway serves them
 * (shared/reference/projectx-gateway.md §5, §6). Numbers match the real enums exactly.
 */

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

export const OrderSide = { Bid: 0, Ask: 1 } as const;
export type OrderSideCode = (typeof OrderSide)[keyof typeof OrderSide];

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
export type OrderStatusCode = (typeof OrderStatus)[keyof typeof OrderStatus];

export const PositionType = { Undefined: 0, Long: 1, Short: 2 } as const;
export type PositionTypeCode = (typeof PositionType)[keyof typeof PositionType];

export const BarUnit = {
  Unspecified: 0,
  Second: 1,
  Minute: 2,
  Hour: 3,
  Day: 4,
  Week: 5,
  Month: 6,
  Tick: 7,
} as const;

export const DomType = {
  Unknown: 0,
  Ask: 1,
  Bid: 2,
  BestAsk: 3,
  BestBid: 4,
  Trade: 5,
  Reset: 6,
  Low: 7,
  High: 8,
  NewBestBid: 9,
  NewBestAsk: 10,
  Fill: 11,
} as const;

export const TradeLogType = { Buy: 0, Sell: 1 } as const;

/** TradingAccount (§5). */
export interface GatewayAccount {
  id: number;
  name: string;
  balance: number;
  canTrade: boolean;
  isVisible: boolean;
  simulated: boolean;
}

/** Account settings the fake needs beyond the wire model (§7.1, §8.2). */
export interface GatewayAccountSetup extends GatewayAccount {
  /** 'auto-oco' accepts brackets; 'position-brackets' (TopstepX default) rejects them. Default 'auto-oco'. */
  bracketMode?: 'auto-oco' | 'position-brackets';
  /** Follower (copy-trading) accounts cannot cancel orders (§7.1). */
  follower?: boolean;
  /** This account's Topstep risk rules, overriding the gateway's `riskEngine` option; false: none. */
  riskEngine?: RiskEngineOptions | false;
}

/** Contract (§5) plus the fake's per-side fee. */
export interface GatewayContract {
  id: string;
  name: string;
  description: string;
  tickSize: number;
  tickValue: number;
  activeContract: boolean;
  symbolId: string;
}

export interface GatewayContractSetup extends GatewayContract {
  /** Exchange + clearing fees per contract per side, dollars. */
  feePerSide?: number;
  /** Starting price for synthetic bars and the demo random walk. */
  referencePrice?: number;
  /** A micro contract (MES, MNQ, M2K, MGC): counts 1/10 of a mini against a position cap. */
  micro?: boolean;
  /**
   * Accepts orders (default: `activeContract`). A month that rolled is no longer the active contract
   * but trades until it expires: `rollContract` leaves it tradable, `expireContract` ends that.
   */
  tradable?: boolean;
}

/** Order (§5). Prices are tick-aligned numbers; timestamps are ISO strings. */
export interface GatewayOrder {
  id: number;
  accountId: number;
  contractId: string;
  symbolId: string;
  creationTimestamp: string;
  updateTimestamp: string | null;
  status: OrderStatusCode;
  type: OrderTypeCode;
  side: OrderSideCode;
  size: number;
  limitPrice: number | null;
  stopPrice: number | null;
  fillVolume: number;
  filledPrice: number | null;
  customTag: string | null;
  trailDistance: number | null;
  trailPrice: number | null;
  parentOrderId: number | null;
  linkedOrderId: number | null;
}

/** Position (§5). `size` is always positive; `type` carries the direction. */
export interface GatewayPosition {
  id: number;
  accountId: number;
  contractId: string;
  contractDisplayName: string;
  creationTimestamp: string;
  type: PositionTypeCode;
  size: number;
  averagePrice: number;
}

/** HalfTrade (§5). `profitAndLoss` is null on an opening fill. */
export interface GatewayTrade {
  id: number;
  accountId: number;
  contractId: string;
  creationTimestamp: string;
  price: number;
  profitAndLoss: number | null;
  fees: number;
  commissions: number;
  side: OrderSideCode;
  size: number;
  voided: boolean;
  orderId: number;
}

/** Bar (§5). */
export interface GatewayBar {
  t: string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Switches for the real-world payload quirks of §12 and field reports of §8/§17. All default off. */
export interface GatewayQuirks {
  /** Wrap every user-hub event argument as `{action, data}`. */
  actionDataWrapper: boolean;
  /** Wrap only GatewayUserOrder as `{action, data}` (one report says only orders are wrapped). */
  actionDataWrapperOrdersOnly: boolean;
  /** Send GatewayTrade as a list and pad GatewayTrade/GatewayDepth lists with `null` entries. */
  arrayNullPadding: boolean;
  /** After the first snapshot per connection, GatewayQuote carries only changed fields. */
  sparseQuotes: boolean;
  /** Emit event targets lower-cased (clients must match case-insensitively). */
  lowercaseEventNames: boolean;
  /** Order/searchOpen leaves `customTag` out (one field report). */
  omitCustomTagInSearchOpen: boolean;
  /** Position/closeContract and partialCloseContract leave the contract's resting orders behind. */
  closeLeavesWorkingOrders: boolean;
  /** Empty list payloads are `null` instead of `[]`. */
  nullLists: boolean;
  /** Decimals written with nine fraction digits (`6335.250000000`). */
  nineDigitDecimals: boolean;
  /** A second loginKey sends GatewayLogout to hubs and invalidates earlier tokens. */
  singleLogin: boolean;
  /** Rejected orders do not appear in Order/search or v2/query (unconfirmed either way, §8.3). */
  rejectedOrdersHiddenFromSearch: boolean;
}

/** Topstep risk-engine mode (sim/gateway/risk-engine.ts, README "Topstep risk-engine mode"). */
export interface RiskEngineOptions {
  /** Balance the account starts from (default: the account's own balance); the MLL never trails above it. */
  startingBalance?: number;
  /** Maximum Loss Limit, dollars (e.g. 2,000 on a 50K account). Omit to turn the MLL off. */
  maxLossLimit?: number;
  /** Position cap in minis across all contracts; a micro counts 1/10 (e.g. 5). Omit for no cap. */
  maxPositionMinis?: number;
  /** Chicago time "HH:MM" of the daily auto-liquidation (default '15:10'); null turns it off. */
  flattenAtCt?: string | null;
  /** Daily loss limit, dollars (realised + open P&L of the trading day). */
  dailyLossLimit?: number;
  /** What hitting the daily loss limit does (default 'liquidate_and_block'). */
  dailyLossAction?: 'liquidate' | 'liquidate_and_block';
}

export type HubName = 'user' | 'market';

export type HoldPlaceMode =
  | 'timeout-then-create'
  | 'timeout-no-create'
  | 'server-error-then-create'
  | 'pending-then-create'
  | 'unknown-error-no-create';
