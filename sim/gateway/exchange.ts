/**
 * The fake gateway's matching engine: accounts, an order book per account that fills working orders
 * against pushed prices, netted positions with average price, and half-trades with P&L and fees.
 * Pure state + synchronous events; the REST and hub layers render and deliver them. Never reads
 * wall time: the clock is injected.
 */
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

export interface ExchangeRules {
  /** Reject bracket stops closer than this many ticks (field report, unconfirmed). 0 disables. */
  minimumBracketTicks: number;
  /** Reject a stop-loss bracket whose type is not Stop (4) (field report, unconfirmed). */
  requireStopTypeForStopLoss: boolean;
  /** Leave the contract's resting orders behind on close (field report §8.2). */
  closeLeavesWorkingOrders: boolean;
}

const PLACEABLE_TYPES = new Set([1, 2, 4, 5, 6, 7]);
const MAX_TRAIL_TICKS = 1000;

export class Exchange {
  private readonly accounts = new Map<number, GatewayAccountSetup>();
  private readonly contracts = new Map<string, GatewayContractSetup>();
  private readonly orderBook = new Map<number, OrderRecord>();
  private readonly positionBook = new Map<string, PositionRecord>();
  private readonly tradeLog: TradeRecord[] = [];
  private readonly tagsByAccount = new Map<number, Set<string>>();
  private readonly lastTicks = new Map<string, number>();
  /** Market orders that fill at the next pushed price. */
  private readonly awaitingPrice = new Set<number>();
  private nextOrderId = 1;
  private nextPositionId = 1;
  private nextTradeId = 1;
  private readonly listeners = new Set<(event: ExchangeEvent) => void>();

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
    return [...this.positionBook.values()].filter(
      (p) => p.netSize !== 0 && (accountId === undefined || p.accountId === accountId),
    );
  }

  tradeList(accountId?: number): TradeRecord[] {
    return accountId === undefined
      ? [...this.tradeLog]
      : this.tradeLog.filter((t) => t.accountId === accountId);
  }

  // ---------------------------------------------------------------- placing

  place(request: PlaceRequest): PlaceOutcome {
    const account = this.accounts.get(request.accountId);
    if (!account)
      return { errorCode: 1, errorMessage: `Account ${request.accountId} not found`, orderId: null };
    const contract = this.contracts.get(request.contractId);
    if (!contract) return { errorCode: 8, errorMessage: 'Invalid symbol', orderId: null };
    if (!contract.activeContract) {
      return { errorCode: 9, errorMessage: `Contract ${contract.id} is not active`, orderId: null };
    }
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

    const rejection = this.validatePlacement(account, contract, order, request);
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

  /** Fills in prices on `order` and returns a rejection message, or null when the order is valid. */
  private validatePlacement(
    account: GatewayAccountSetup,
    contract: GatewayContractSetup,
    order: OrderRecord,
    request: PlaceRequest,
  ): string | null {
    const tick = contract.tickSize;
    if (order.type === 0) return `Invalid order type (${request.type})`;
    if (request.side !== 0 && request.side !== 1) return `Invalid order side (${request.side})`;
    if (order.size === 0) return `Invalid order size (${request.size})`;
    const last = this.lastTicks.get(contract.id);
    if (order.type === 1) {
      if (request.limitPrice == null) return 'Limit price not set.';
      if (!onTickGrid(request.limitPrice, tick)) return 'Invalid price. Price is not aligned to tick size.';
      order.limitTicks = ticksOf(request.limitPrice, tick);
    }
    if (order.type === 4) {
      if (request.stopPrice == null) return 'Stop price not set.';
      if (!onTickGrid(request.stopPrice, tick)) return 'Invalid price. Price is not aligned to tick size.';
      order.stopTicks = ticksOf(request.stopPrice, tick);
    }
    if (order.type === 5) {
      if (request.trailPrice == null) return 'Trail Distance not set.';
      if (!onTickGrid(request.trailPrice, tick))
        return 'Invalid trail price. Price is not aligned to tick size.';
      if (last === undefined) return 'Cannot trail without a last price';
      const distance = Math.abs(last - ticksOf(request.trailPrice, tick));
      if (distance > MAX_TRAIL_TICKS) return `Trail Distance exceeds maximum (${MAX_TRAIL_TICKS})`;
      if (distance === 0) return 'Trail Distance not set.';
      order.trailTicks = distance;
      order.stopTicks = order.side === 1 ? last - distance : last + distance;
    }
    if (order.type === 6 || order.type === 7) {
      if (last === undefined) return 'Cannot join without a last price';
      // The fake's quote is bid = last, ask = last + 1 tick.
      order.limitTicks = order.type === 6 ? last : last + 1;
    }
    const hasBrackets = order.stopLossBracket !== null || order.takeProfitBracket !== null;
    if (hasBrackets) {
      if ((account.bracketMode ?? 'auto-oco') === 'position-brackets') {
        return 'Brackets cannot be used with Position Brackets. You must enable Auto OCO Brackets.';
      }
      return this.validateBrackets(order);
    }
    return null;
  }

  private validateBrackets(order: OrderRecord): string | null {
    const long = order.side === 0;
    const stopLoss = order.stopLossBracket;
    const takeProfit = order.takeProfitBracket;
    if (stopLoss) {
      if (!Number.isInteger(stopLoss.ticks) || stopLoss.ticks === 0) {
        return `Invalid stop loss ticks (${stopLoss.ticks}).`;
      }
      if (long && stopLoss.ticks > 0) {
        return `Invalid stop loss ticks (${stopLoss.ticks}). Ticks should be less than zero when longing.`;
      }
      if (!long && stopLoss.ticks < 0) {
        return `Invalid stop loss ticks (${stopLoss.ticks}). Ticks should be greater than zero when going short.`;
      }
      if (this.rules.minimumBracketTicks > 0 && Math.abs(stopLoss.ticks) < this.rules.minimumBracketTicks) {
        return `Invalid stop loss ticks (${stopLoss.ticks}). Stop loss tick value should be at least ${this.rules.minimumBracketTicks} ticks.`;
      }
      if (this.rules.requireStopTypeForStopLoss && stopLoss.type !== 4) {
        return `Invalid stop loss type (${typeName(stopLoss.type)})`;
      }
    }
    if (takeProfit) {
      if (!Number.isInteger(takeProfit.ticks) || takeProfit.ticks === 0) {
        return `Invalid take profit ticks (${takeProfit.ticks}).`;
      }
      if (long && takeProfit.ticks < 0) {
        return `Invalid take profit ticks (${takeProfit.ticks}). Ticks should be greater than zero when longing.`;
      }
      if (!long && takeProfit.ticks > 0) {
        return `Invalid take profit ticks (${takeProfit.ticks}). Ticks should be less than zero when going short.`;
      }
      if (takeProfit.type !== 1 && takeProfit.type !== 4)
        return `Invalid take profit type (${typeName(takeProfit.type)})`;
    }
    return null;
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
    const position = this.positionBook.get(positionKey(accountId, contractId));
    if (!position || position.netSize === 0)
      return { errorCode: codes.positionNotFound, errorMessage: 'Position not found' };
    const held = Math.abs(position.netSize);
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
      side: position.netSize > 0 ? 1 : 0,
      size: size ?? held,
      reduceOnly: true,
    });
    return { errorCode: outcome.errorCode === 0 ? 0 : 7, errorMessage: outcome.errorMessage };
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
    const held = this.positionBook.get(positionKey(order.accountId, order.contract.id))?.netSize ?? 0;
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
    this.applyFill(order, fillTicks, ts);
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

  /** Nets the fill into the position; a fill that reduces exposure books P&L on its closing part. */
  private applyFill(order: OrderRecord, fillTicks: number, ts: number): void {
    const contract = order.contract;
    const key = positionKey(order.accountId, contract.id);
    let position = this.positionBook.get(key);
    const signed = order.side === 0 ? order.size : -order.size;
    if (!position || position.netSize === 0) {
      position = {
        id: this.nextPositionId++,
        accountId: order.accountId,
        contract,
        createdAt: ts,
        netSize: 0,
        averageTicks: 0,
      };
      this.positionBook.set(key, position);
    }
    const held = position.netSize;
    const closing =
      held !== 0 && Math.sign(held) !== Math.sign(signed) ? Math.min(Math.abs(held), Math.abs(signed)) : 0;
    const opening = Math.abs(signed) - closing;
    const feePerSide = contract.feePerSide ?? 0;
    let realised = 0;
    if (closing > 0) {
      const direction = held > 0 ? 1 : -1;
      const ticks = (fillTicks - position.averageTicks) * direction * closing;
      const pnl = cents(ticks * contract.tickValue);
      realised += pnl;
      this.recordTrade(order, fillTicks, closing, pnl, ts);
      position.netSize += held > 0 ? -closing : closing;
    }
    if (opening > 0) {
      if (position.netSize === 0 && closing > 0) {
        // Flipped through flat: the remainder is a new position.
        this.emit({ kind: 'position', position });
        position = {
          id: this.nextPositionId++,
          accountId: order.accountId,
          contract,
          createdAt: ts,
          netSize: 0,
          averageTicks: 0,
        };
        this.positionBook.set(key, position);
      }
      const existing = Math.abs(position.netSize);
      position.averageTicks = (position.averageTicks * existing + fillTicks * opening) / (existing + opening);
      position.netSize += signed > 0 ? opening : -opening;
      this.recordTrade(order, fillTicks, opening, null, ts);
    }
    this.emit({ kind: 'position', position });
    const account = this.accounts.get(order.accountId);
    if (account) {
      account.balance = cents(account.balance + realised - feePerSide * order.size);
      this.emit({ kind: 'account', account });
    }
  }

  private recordTrade(
    order: OrderRecord,
    priceTicks: number,
    size: number,
    pnl: number | null,
    ts: number,
  ): void {
    const trade: TradeRecord = {
      id: this.nextTradeId++,
      accountId: order.accountId,
      contract: order.contract,
      createdAt: ts,
      priceTicks,
      profitAndLoss: pnl,
      fees: cents((order.contract.feePerSide ?? 0) * size),
      side: order.side,
      size,
      orderId: order.id,
    };
    this.tradeLog.push(trade);
    this.emit({ kind: 'trade', trade });
  }
}

function positionKey(accountId: number, contractId: string): string {
  return `${accountId}|${contractId}`;
}

function typeName(type: number): string {
  const names = ['Unknown', 'Limit', 'Market', 'StopLimit', 'Stop', 'TrailingStop', 'JoinBid', 'JoinAsk'];
  return names[type] ?? String(type);
}
