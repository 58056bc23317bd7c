/**
 * The fake gateway's matching engine: accounts and an order book that fills working orders against
 * pushed prices (positions and half-trades are booked by the ledger).
 * Pure state + synchronous events; the REST and hub layers render and deliver them. Never reads
 * wall time: the clock is injected.
 */

import { Ledger } from './ledger.ts';
import { type PlacementRules, placementRejection } from './placement-rules.ts';
import {
  type BracketSpec,
  type OrderRecord,
  type PositionRecord,
  type TradeRecord,
  WORKING_STATUSES,
} from './records.ts';
import type {
  GatewayAccountSetup,
  GatewayContractSetup,
  OrderSideCode,
  OrderStatusCode,
  OrderTypeCode,
} from './types.ts';
import { cents, onTickGrid, ticksOf } from './wire-format.ts';

export type ExchangeEvent =
  | { kind: 'order'; order: OrderRecord }
  | { kind: 'position'; position: PositionRecord }
  | { kind: 'trade'; trade: TradeRecord }
  | { kind: 'account'; account: GatewayAccountSetup }
  | {
      kind: 'tick';
      contract: GatewayContractSetup;
      priceTicks: number;
      size: number;
      ts: number;
      aggressor: 0 | 1;
    };

export interface PlaceRequest {
  accountId: number;
  contractId: string;
  type: number;
  side: number;
  size: number;
  limitPrice?: number | null | undefined;
  stopPrice?: number | null | undefined;
  trailPrice?: number | null | undefined;
  customTag?: string | null | undefined;
  linkedOrderId?: number | null | undefined;
  stopLossBracket?: BracketSpec | null | undefined;
  takeProfitBracket?: BracketSpec | null | undefined;
  reduceOnly?: boolean;
}

export interface ModifyRequest {
  accountId: number;
  orderId: number;
  size?: number | null | undefined;
  limitPrice?: number | null | undefined;
  stopPrice?: number | null | undefined;
  trailPrice?: number | null | undefined;
}

export interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

export interface PlaceOutcome extends Outcome {
  orderId: number | null;
}

export interface ExchangeRules extends PlacementRules {
  /** Leave the contract's resting orders behind on close (field report §8.2). */
  closeLeavesWorkingOrders: boolean;
}

const PLACEABLE_TYPES = new Set([1, 2, 4, 5, 6, 7]);
/** StopLimit, Stop, TrailingStop. */
const STOP_TYPES: ReadonlySet<number> = new Set([3, 4, 5]);

/** Called before a placement is booked (the risk engine): an outcome refuses it, null lets it through. */
export type PlaceGuard = (
  account: GatewayAccountSetup,
  contract: GatewayContractSetup,
  request: PlaceRequest,
) => PlaceOutcome | null;

export class Exchange {
  private readonly accounts = new Map<number, GatewayAccountSetup>();
  private readonly contracts = new Map<string, GatewayContractSetup>();
  private readonly orderBook = new Map<number, OrderRecord>();
  private readonly tagsByAccount = new Map<number, Set<string>>();
  private readonly lastTicks = new Map<string, number>();
  /** Market orders that fill at the next pushed price. */
  private readonly awaitingPrice = new Set<number>();
  private nextOrderId = 1;
  private readonly listeners = new Set<(event: ExchangeEvent) => void>();
  private readonly ledger = new Ledger((event) => this.emit(event));
  private placeGuard: PlaceGuard | null = null;

  constructor(
    accounts: readonly GatewayAccountSetup[],
    contracts: readonly GatewayContractSetup[],
    private readonly now: () => number,
    private readonly rules: ExchangeRules,
  ) {
    for (const account of accounts) this.accounts.set(account.id, { ...account });
    for (const contract of contracts) this.contracts.set(contract.id, { ...contract });
  }

  onEvent(listener: (event: ExchangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Install (or remove) the check every Order/place passes before it is booked. */
  setPlaceGuard(guard: PlaceGuard | null): void {
    this.placeGuard = guard;
  }

  private emit(event: ExchangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  account(id: number): GatewayAccountSetup | undefined {
    return this.accounts.get(id);
  }

  accountList(): GatewayAccountSetup[] {
    return [...this.accounts.values()];
  }

  contract(id: string): GatewayContractSetup | undefined {
    return this.contracts.get(id);
  }

  contractList(): GatewayContractSetup[] {
    return [...this.contracts.values()];
  }

  /** List a contract (a new month) or change one (a roll, an expiry). */
  setContract(contract: GatewayContractSetup): void {
    const known = this.contracts.get(contract.id);
    if (known) Object.assign(known, contract);
    else this.contracts.set(contract.id, { ...contract });
  }

  lastPriceTicks(contractId: string): number | undefined {
    return this.lastTicks.get(contractId);
  }

  orderList(accountId?: number): OrderRecord[] {
    const all = [...this.orderBook.values()];
    return accountId === undefined ? all : all.filter((o) => o.accountId === accountId);
  }

  order(id: number): OrderRecord | undefined {
    return this.orderBook.get(id);
  }

  openPositions(accountId?: number): PositionRecord[] {
    return this.ledger.openPositions(accountId);
  }

  tradeList(accountId?: number): TradeRecord[] {
    return this.ledger.trades(accountId);
  }

  // ---------------------------------------------------------------- placing

  place(request: PlaceRequest): PlaceOutcome {
    const account = this.accounts.get(request.accountId);
    if (!account)
      return { errorCode: 1, errorMessage: `Account ${request.accountId} not found`, orderId: null };
    const contract = this.contracts.get(request.contractId);
    if (!contract) return { errorCode: 8, errorMessage: 'Invalid symbol', orderId: null };
    if (!(contract.tradable ?? contract.activeContract)) {
      return { errorCode: 9, errorMessage: `Contract ${contract.id} is not active`, orderId: null };
    }
    const refused = this.placeGuard?.(account, contract, request) ?? null;
    if (refused !== null) return refused;
    if (!account.canTrade) return { errorCode: 10, errorMessage: 'Account cannot trade', orderId: null };
    const tag = request.customTag ?? null;
    const tags = this.tagsByAccount.get(account.id) ?? new Set<string>();
    this.tagsByAccount.set(account.id, tags);
    if (tag !== null && tags.has(tag)) {
      return { errorCode: 2, errorMessage: 'Specified custom tag is already in use', orderId: null };
    }
    if (tag !== null) tags.add(tag);

    const now = this.now();
    const order: OrderRecord = {
      id: this.nextOrderId++,
      accountId: account.id,
      contract,
      createdAt: now,
      updatedAt: now,
      status: 1,
      type: (PLACEABLE_TYPES.has(request.type) ? request.type : 0) as OrderTypeCode,
      side: (request.side === 1 ? 1 : 0) as OrderSideCode,
      size: Number.isInteger(request.size) && request.size > 0 ? request.size : 0,
      limitTicks: null,
      stopTicks: null,
      fillVolume: 0,
      filledTicks: null,
      customTag: tag,
      trailTicks: null,
      parentOrderId: null,
      linkedOrderId: request.linkedOrderId ?? null,
      stopLossBracket: request.stopLossBracket ?? null,
      takeProfitBracket: request.takeProfitBracket ?? null,
      bracketRole: null,
      reduceOnly: request.reduceOnly ?? false,
    };
    this.orderBook.set(order.id, order);

    const last = this.lastTicks.get(contract.id);
    const rejection = placementRejection(account, contract, order, request, last, this.rules);
    if (rejection !== null) {
      order.status = 5;
      this.emit({ kind: 'order', order });
      // Rejections still carry the id of the (rejected) order record (§8.1).
      return { errorCode: 2, errorMessage: rejection, orderId: order.id };
    }
    if (order.type === 2) this.awaitingPrice.add(order.id);
    this.emit({ kind: 'order', order });
    this.createBracketChildren(order);
    return { errorCode: 0, errorMessage: null, orderId: order.id };
  }

  /** Bracket children wait Suspended (8) until the parent fills (§8.2). */
  private createBracketChildren(parent: OrderRecord): void {
    const specs: [BracketSpec | null, 'stop-loss' | 'take-profit'][] = [
      [parent.stopLossBracket, 'stop-loss'],
      [parent.takeProfitBracket, 'take-profit'],
    ];
    const reference = parent.limitTicks ?? parent.stopTicks ?? this.lastTicks.get(parent.contract.id) ?? null;
    for (const [spec, role] of specs) {
      if (!spec) continue;
      const child: OrderRecord = {
        id: this.nextOrderId++,
        accountId: parent.accountId,
        contract: parent.contract,
        createdAt: parent.createdAt,
        updatedAt: parent.createdAt,
        status: 8,
        type: (spec.type === 1 ? 1 : 4) as OrderTypeCode,
        side: (parent.side === 0 ? 1 : 0) as OrderSideCode,
        size: parent.size,
        limitTicks: null,
        stopTicks: null,
        fillVolume: 0,
        filledTicks: null,
        customTag: null,
        trailTicks: null,
        parentOrderId: parent.id,
        linkedOrderId: null,
        stopLossBracket: null,
        takeProfitBracket: null,
        bracketRole: role,
        reduceOnly: false,
      };
      if (reference !== null) this.positionChild(child, spec, reference);
      this.orderBook.set(child.id, child);
      this.emit({ kind: 'order', order: child });
    }
  }

  private positionChild(child: OrderRecord, spec: BracketSpec, entryTicks: number): void {
    if (child.type === 1) child.limitTicks = entryTicks + spec.ticks;
    else child.stopTicks = entryTicks + spec.ticks;
  }

  private childrenOf(parentId: number): OrderRecord[] {
    return [...this.orderBook.values()].filter((o) => o.parentOrderId === parentId);
  }

  // ---------------------------------------------------------------- modify / cancel

  modify(request: ModifyRequest): Outcome {
    if (!this.accounts.has(request.accountId)) return { errorCode: 1, errorMessage: 'Account not found' };
    const order = this.orderBook.get(request.orderId);
    if (!order || order.accountId !== request.accountId) {
      return { errorCode: 2, errorMessage: `Order ${request.orderId} not found` };
    }
    if (!WORKING_STATUSES.has(order.status)) return { errorCode: 3, errorMessage: 'Order is not working' };
    const tick = order.contract.tickSize;
    if (request.size != null && (!Number.isInteger(request.size) || request.size <= 0)) {
      return { errorCode: 3, errorMessage: `Invalid order size (${request.size})` };
    }
    for (const price of [request.limitPrice, request.stopPrice, request.trailPrice]) {
      if (price != null && !onTickGrid(price, tick)) {
        return { errorCode: 3, errorMessage: 'Invalid price. Price is not aligned to tick size.' };
      }
    }
    if (request.limitPrice != null && order.type !== 1 && order.type !== 6 && order.type !== 7) {
      return { errorCode: 3, errorMessage: 'Limit price is only valid for limit orders' };
    }
    if (request.stopPrice != null && order.type !== 4) {
      return { errorCode: 3, errorMessage: 'Stop price is only valid for stop orders' };
    }
    if (request.trailPrice != null) {
      if (order.type !== 5)
        return { errorCode: 3, errorMessage: 'Trail price is only valid for trailing stops' };
      const last = this.lastTicks.get(order.contract.id);
      if (last === undefined) return { errorCode: 3, errorMessage: 'Cannot trail without a last price' };
      // Modify does not enforce the 1000-tick maximum (§8.4).
      const distance = Math.abs(last - ticksOf(request.trailPrice, tick));
      if (distance === 0) return { errorCode: 3, errorMessage: 'Trail Distance not set.' };
      order.trailTicks = distance;
      order.stopTicks = order.side === 1 ? last - distance : last + distance;
    }
    if (request.size != null) order.size = request.size;
    if (request.limitPrice != null) order.limitTicks = ticksOf(request.limitPrice, tick);
    if (request.stopPrice != null) order.stopTicks = ticksOf(request.stopPrice, tick);
    order.updatedAt = this.now();
    this.emit({ kind: 'order', order });
    return { errorCode: 0, errorMessage: null };
  }

  cancel(accountId: number, orderId: number): Outcome {
    const account = this.accounts.get(accountId);
    if (!account) return { errorCode: 1, errorMessage: 'Account not found' };
    if (!account.simulated) return { errorCode: 6, errorMessage: 'Live accounts not supported' };
    if (account.follower) return { errorCode: 6, errorMessage: 'Follower accounts cannot cancel orders' };
    const order = this.orderBook.get(orderId);
    if (!order || order.accountId !== accountId)
      return { errorCode: 2, errorMessage: `Order ${orderId} not found` };
    if (order.status === 2) return { errorCode: 5, errorMessage: 'Cannot cancel order: already filled' };
    if (!WORKING_STATUSES.has(order.status))
      return { errorCode: 5, errorMessage: 'Cannot cancel order: not working' };
    this.finish(order, 3);
    for (const child of this.childrenOf(order.id))
      if (WORKING_STATUSES.has(child.status)) this.finish(child, 3);
    return { errorCode: 0, errorMessage: null };
  }

  /**
   * Fault: the broker silently drops a working stop. It becomes Cancelled in REST (Order/search shows
   * it, searchOpen and v2/query no longer list it) but no event goes out, so no hub update follows.
   * `orderId` names the stop; without it the account's oldest working stop goes. Null when none.
   */
  dropWorkingStop(accountId: number, orderId?: number): OrderRecord | null {
    const order =
      orderId === undefined
        ? this.orderList(accountId).find((o) => o.status === 1 && STOP_TYPES.has(o.type))
        : this.orderBook.get(orderId);
    if (!order || order.accountId !== accountId) return null;
    if (order.status !== 1 || !STOP_TYPES.has(order.type)) return null;
    order.status = 3;
    order.updatedAt = this.now();
    this.awaitingPrice.delete(order.id);
    return order;
  }

  private finish(order: OrderRecord, status: OrderStatusCode): void {
    order.status = status;
    order.updatedAt = this.now();
    this.awaitingPrice.delete(order.id);
    this.emit({ kind: 'order', order });
  }

  // ---------------------------------------------------------------- closing positions

  closeContract(accountId: number, contractId: string): Outcome {
    return this.closeAtMarket(accountId, contractId, null, {
      accountRejected: 8,
      positionNotFound: 2,
      contractNotFound: 3,
    });
  }

  partialCloseContract(accountId: number, contractId: string, size: number): Outcome {
    return this.closeAtMarket(accountId, contractId, size, {
      accountRejected: 9,
      positionNotFound: 2,
      contractNotFound: 3,
    });
  }

  private closeAtMarket(
    accountId: number,
    contractId: string,
    size: number | null,
    codes: { accountRejected: number; positionNotFound: number; contractNotFound: number },
  ): Outcome {
    const account = this.accounts.get(accountId);
    if (!account) return { errorCode: 1, errorMessage: 'Account not found' };
    const contract = this.contracts.get(contractId);
    if (!contract) return { errorCode: codes.contractNotFound, errorMessage: 'Invalid symbol' };
    if (!account.simulated)
      return { errorCode: codes.accountRejected, errorMessage: 'Live accounts not supported' };
    const net = this.ledger.netSize(accountId, contractId);
    if (net === 0) return { errorCode: codes.positionNotFound, errorMessage: 'Position not found' };
    const held = Math.abs(net);
    if (size !== null && (!Number.isInteger(size) || size <= 0 || size > held)) {
      return { errorCode: 5, errorMessage: `Invalid close size (${size}); position size is ${held}` };
    }
    if (!this.rules.closeLeavesWorkingOrders) {
      for (const order of this.orderList(accountId)) {
        if (order.contract.id === contractId && WORKING_STATUSES.has(order.status) && size === null) {
          this.finish(order, 3);
        }
      }
    }
    const outcome = this.place({
      accountId,
      contractId,
      type: 2,
      side: net > 0 ? 1 : 0,
      size: size ?? held,
      reduceOnly: true,
    });
    return { errorCode: outcome.errorCode === 0 ? 0 : 7, errorMessage: outcome.errorMessage };
  }

  // ---------------------------------------------------------------- risk

  /** Signed contracts the account holds in a contract: > 0 long, < 0 short. */
  netSize(accountId: number, contractId: string): number {
    return this.ledger.netSize(accountId, contractId);
  }

  /** Open P&L of the account's positions marked at each contract's last print, dollars. */
  openPnl(accountId: number): number {
    let total = 0;
    for (const position of this.ledger.openPositions(accountId)) {
      const last = this.lastTicks.get(position.contract.id);
      if (last === undefined) continue;
      total += (last - position.averageTicks) * position.netSize * position.contract.tickValue;
    }
    return cents(total);
  }

  /** Working orders of an account (brackets' suspended children included). */
  workingOrders(accountId: number): OrderRecord[] {
    return this.orderList(accountId).filter((o) => WORKING_STATUSES.has(o.status));
  }

  /** Set canTrade and announce it (GatewayUserAccount) when it changes. */
  setCanTrade(accountId: number, canTrade: boolean): void {
    const account = this.accounts.get(accountId);
    if (!account || account.canTrade === canTrade) return;
    account.canTrade = canTrade;
    this.emit({ kind: 'account', account });
  }

  /** Set the balance (a risk engine's starting balance) without an event. */
  setBalance(accountId: number, balance: number): void {
    const account = this.accounts.get(accountId);
    if (account) account.balance = cents(balance);
  }

  /**
   * Liquidation: cancel every working order of the account, then close every position at once at its
   * contract's last print (a market order filled there), with the usual order/position/trade/account
   * events. Returns how many orders were cancelled and positions closed.
   */
  flattenAccount(accountId: number): { cancelled: number; closed: number } {
    const working = this.workingOrders(accountId);
    for (const order of working) this.finish(order, 3);
    let closed = 0;
    for (const position of this.ledger.openPositions(accountId)) {
      const last = this.lastTicks.get(position.contract.id);
      if (last === undefined) continue;
      const now = this.now();
      const order: OrderRecord = {
        id: this.nextOrderId++,
        accountId,
        contract: position.contract,
        createdAt: now,
        updatedAt: now,
        status: 1,
        type: 2,
        side: (position.netSize > 0 ? 1 : 0) as OrderSideCode,
        size: Math.abs(position.netSize),
        limitTicks: null,
        stopTicks: null,
        fillVolume: 0,
        filledTicks: null,
        customTag: null,
        trailTicks: null,
        parentOrderId: null,
        linkedOrderId: null,
        stopLossBracket: null,
        takeProfitBracket: null,
        bracketRole: null,
        reduceOnly: true,
      };
      this.orderBook.set(order.id, order);
      this.emit({ kind: 'order', order });
      this.fill(order, last, now);
      closed += 1;
    }
    return { cancelled: working.length, closed };
  }

  // ---------------------------------------------------------------- market

  /** A trade print: fills whatever it triggers, then reports the print. */
  pushPrice(contractId: string, price: number, size: number, ts: number): void {
    const contract = this.contracts.get(contractId);
    if (!contract)
      throw new Error(
        `pushPrice: unknown contractId '${contractId}'; use one of ${[...this.contracts.keys()].join(', ')}`,
      );
    if (!Number.isFinite(price) || price <= 0)
      throw new Error(`pushPrice: price must be a positive number, got ${price}`);
    if (!onTickGrid(price, contract.tickSize)) {
      throw new Error(
        `pushPrice: price ${price} is not on the ${contract.tickSize} tick grid of ${contractId}`,
      );
    }
    const priceTicks = ticksOf(price, contract.tickSize);
    const previous = this.lastTicks.get(contractId);
    this.lastTicks.set(contractId, priceTicks);
    const aggressor: 0 | 1 = previous !== undefined && priceTicks < previous ? 1 : 0;
    this.emit({ kind: 'tick', contract, priceTicks, size, ts, aggressor });
    const working = this.orderList().filter((o) => o.contract.id === contractId && o.status === 1);
    for (const order of working) {
      if (order.status !== 1) continue; // an earlier fill in this pass cancelled it (OCO)
      const fillTicks = this.triggeredFill(order, priceTicks);
      if (fillTicks === null) continue;
      if (order.reduceOnly && !this.fitToPosition(order)) continue;
      this.fill(order, fillTicks, ts);
    }
  }

  /** A close order only reduces: cancel it when flat (or same side), shrink it to the position. */
  private fitToPosition(order: OrderRecord): boolean {
    const held = this.ledger.netSize(order.accountId, order.contract.id);
    const reducible = order.side === 1 ? Math.max(held, 0) : Math.max(-held, 0);
    if (reducible === 0) {
      this.finish(order, 3);
      return false;
    }
    if (order.size > reducible) order.size = reducible;
    return true;
  }

  private triggeredFill(order: OrderRecord, priceTicks: number): number | null {
    const buy = order.side === 0;
    switch (order.type) {
      case 2:
        return this.awaitingPrice.has(order.id) ? priceTicks : null;
      case 1:
      case 6:
      case 7: {
        const limit = order.limitTicks;
        if (limit === null) return null;
        return (buy ? priceTicks <= limit : priceTicks >= limit) ? limit : null;
      }
      case 4: {
        const stop = order.stopTicks;
        if (stop === null) return null;
        return (buy ? priceTicks >= stop : priceTicks <= stop) ? priceTicks : null;
      }
      case 5: {
        const stop = order.stopTicks;
        const trail = order.trailTicks;
        if (stop === null || trail === null) return null;
        if (buy ? priceTicks >= stop : priceTicks <= stop) return priceTicks;
        // Ratchet the stop behind the price, never away from it.
        const next = buy ? Math.min(stop, priceTicks + trail) : Math.max(stop, priceTicks - trail);
        if (next !== stop) {
          order.stopTicks = next;
          order.updatedAt = this.now();
          this.emit({ kind: 'order', order });
        }
        return null;
      }
      default:
        return null;
    }
  }

  private fill(order: OrderRecord, fillTicks: number, ts: number): void {
    order.status = 2;
    order.fillVolume = order.size;
    order.filledTicks = fillTicks;
    order.updatedAt = ts;
    this.awaitingPrice.delete(order.id);
    this.emit({ kind: 'order', order });
    const realised = this.ledger.applyFill(order, fillTicks, ts);
    const account = this.accounts.get(order.accountId);
    if (account) {
      // Realised P&L less fees moves the balance, as on a practice account.
      account.balance = cents(account.balance + realised - (order.contract.feePerSide ?? 0) * order.size);
      this.emit({ kind: 'account', account });
    }
    // Parent filled: activate its bracket children at prices relative to the fill.
    for (const child of this.childrenOf(order.id)) {
      if (child.status !== 8) continue;
      const spec = child.bracketRole === 'stop-loss' ? order.stopLossBracket : order.takeProfitBracket;
      if (spec) this.positionChild(child, spec, fillTicks);
      child.size = order.size;
      child.status = 1;
      child.updatedAt = ts;
      this.emit({ kind: 'order', order: child });
    }
    // A bracket child filled: cancel its sibling (OCO).
    if (order.parentOrderId !== null) {
      for (const sibling of this.childrenOf(order.parentOrderId)) {
        if (sibling.id !== order.id && WORKING_STATUSES.has(sibling.status)) this.finish(sibling, 3);
      }
    }
  }
}
