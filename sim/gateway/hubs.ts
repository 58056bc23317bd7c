/**
 * The user and market hubs (§10, §11): per-connection subscriptions, events rendered from exchange
 * events with the documented shapes, and the §12 quirks behind switches. Fault controls act on the
 * live sockets.
 */
import type { WebSocket } from 'ws';
import type { ExchangeEvent } from './exchange.ts';
import { renderOrder, renderPosition, renderTrade } from './records.ts';
import { type HubMethod, HubSocket } from './signalr/hub-socket.ts';
import type { GatewayContractSetup, GatewayQuirks, HubName } from './types.ts';
import { isoTimestamp, priceOf, type TimestampStyle, toWireJson } from './wire-format.ts';

export interface HubOptions {
  quirks: GatewayQuirks;
  pingIntervalMs: number;
  handshakeTimeoutMs: number;
  entityTimestamps: TimestampStyle;
  marketTimestamps: TimestampStyle;
  contract: (id: string) => GatewayContractSetup | undefined;
}

interface UserSubscriptions {
  accounts: boolean;
  orders: Set<number>;
  positions: Set<number>;
  trades: Set<number>;
}

interface MarketSubscriptions {
  quotes: Set<string>;
  trades: Set<string>;
  depth: Set<string>;
  /** Last quote fields sent on this connection, for sparse updates. */
  sentQuotes: Map<string, Record<string, unknown>>;
}

interface QuoteState {
  contract: GatewayContractSetup;
  referenceTicks: number;
  lastTicks: number;
  openTicks: number;
  highTicks: number;
  lowTicks: number;
  volume: number;
  ts: number;
}

const SUBSCRIPTIONS = 'subscriptions';
const TOKEN = 'token';

export class Hubs {
  private readonly sockets: Record<HubName, Set<HubSocket>> = { user: new Set(), market: new Set() };
  private readonly stalled: Record<HubName, boolean> = { user: false, market: false };
  private readonly silent: Record<HubName, boolean> = { user: false, market: false };
  private readonly quotes = new Map<string, QuoteState>();
  private readonly methods: Record<HubName, Map<string, { name: string; arity: number; run: HubMethod }>>;
  private nextConnection = 1;

  constructor(private readonly options: HubOptions) {
    this.methods = {
      user: userMethods(),
      market: marketMethods((socket, id) => this.sendSnapshot(socket, id)),
    };
  }

  attach(hub: HubName, ws: WebSocket, token: string): HubSocket {
    const socket = new HubSocket(ws, {
      connectionId: `${hub}-${this.nextConnection++}`,
      methods: this.methods[hub],
      pingIntervalMs: this.options.pingIntervalMs,
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      // Subscriptions live and die with the connection (§9.5).
      onClosed: (closed) => this.sockets[hub].delete(closed),
    });
    socket.state.set(TOKEN, token);
    socket.state.set(
      SUBSCRIPTIONS,
      hub === 'user'
        ? ({
            accounts: false,
            orders: new Set(),
            positions: new Set(),
            trades: new Set(),
          } satisfies UserSubscriptions)
        : ({
            quotes: new Set(),
            trades: new Set(),
            depth: new Set(),
            sentQuotes: new Map(),
          } satisfies MarketSubscriptions),
    );
    socket.stalled = this.stalled[hub];
    socket.silent = this.silent[hub];
    this.sockets[hub].add(socket);
    return socket;
  }

  connectionCount(hub: HubName): number {
    return this.sockets[hub].size;
  }

  // ---------------------------------------------------------------- events

  private encode = (value: unknown): string => toWireJson(value, this.options.quirks.nineDigitDecimals);

  private eventName(name: string): string {
    return this.options.quirks.lowercaseEventNames ? name.toLowerCase() : name;
  }

  private userArgument(target: string, entity: unknown): unknown {
    const { actionDataWrapper, actionDataWrapperOrdersOnly } = this.options.quirks;
    const wrap = actionDataWrapper || (actionDataWrapperOrdersOnly && target === 'GatewayUserOrder');
    return wrap ? { action: 1, data: entity } : entity;
  }

  publish(event: ExchangeEvent): void {
    const style = this.options.entityTimestamps;
    switch (event.kind) {
      case 'account':
        this.toUsers((s) => s.accounts, 'GatewayUserAccount', publicAccount(event.account));
        return;
      case 'order':
        this.toUsers(
          (s) => s.orders.has(event.order.accountId),
          'GatewayUserOrder',
          renderOrder(event.order, style),
        );
        return;
      case 'position':
        this.toUsers(
          (s) => s.positions.has(event.position.accountId),
          'GatewayUserPosition',
          renderPosition(event.position, style),
        );
        return;
      case 'trade':
        this.toUsers(
          (s) => s.trades.has(event.trade.accountId),
          'GatewayUserTrade',
          renderTrade(event.trade, style),
        );
        return;
      case 'tick':
        this.onTick(event.contract, event.priceTicks, event.size, event.ts, event.aggressor);
        return;
    }
  }

  private toUsers(wants: (s: UserSubscriptions) => boolean, target: string, entity: unknown): void {
    for (const socket of this.sockets.user) {
      const subscriptions = socket.state.get(SUBSCRIPTIONS) as UserSubscriptions;
      if (wants(subscriptions)) {
        socket.sendEvent(this.eventName(target), [this.userArgument(target, entity)], this.encode);
      }
    }
  }

  private onTick(
    contract: GatewayContractSetup,
    priceTicks: number,
    size: number,
    ts: number,
    aggressor: 0 | 1,
  ): void {
    let quote = this.quotes.get(contract.id);
    if (!quote) {
      quote = {
        contract,
        referenceTicks: priceTicks,
        lastTicks: priceTicks,
        openTicks: priceTicks,
        highTicks: priceTicks,
        lowTicks: priceTicks,
        volume: 0,
        ts,
      };
      this.quotes.set(contract.id, quote);
    }
    quote.lastTicks = priceTicks;
    quote.highTicks = Math.max(quote.highTicks, priceTicks);
    quote.lowTicks = Math.min(quote.lowTicks, priceTicks);
    quote.volume += size;
    quote.ts = ts;
    const padding = this.options.quirks.arrayNullPadding;
    const tick = contract.tickSize;
    const stamp = isoTimestamp(ts, this.options.marketTimestamps);
    const trade = {
      symbolId: contract.symbolId,
      price: priceOf(priceTicks, tick),
      timestamp: stamp,
      type: aggressor,
      volume: size,
    };
    const depth = [
      { timestamp: stamp, type: 5, price: priceOf(priceTicks, tick), volume: size, currentVolume: size },
      { timestamp: stamp, type: 4, price: priceOf(priceTicks, tick), volume: 10, currentVolume: 10 },
      { timestamp: stamp, type: 3, price: priceOf(priceTicks + 1, tick), volume: 10, currentVolume: 10 },
    ];
    for (const socket of this.sockets.market) {
      const subscriptions = socket.state.get(SUBSCRIPTIONS) as MarketSubscriptions;
      if (subscriptions.quotes.has(contract.id)) this.sendQuote(socket, subscriptions, quote);
      if (subscriptions.trades.has(contract.id)) {
        const payload = padding ? [trade, null] : trade;
        socket.sendEvent(this.eventName('GatewayTrade'), [contract.id, payload], this.encode);
      }
      if (subscriptions.depth.has(contract.id)) {
        const payload = padding ? [...depth, null] : depth;
        socket.sendEvent(this.eventName('GatewayDepth'), [contract.id, payload], this.encode);
      }
    }
  }

  private quoteFields(quote: QuoteState): Record<string, unknown> {
    const tick = quote.contract.tickSize;
    const change = quote.lastTicks - quote.referenceTicks;
    const stamp = isoTimestamp(quote.ts, this.options.marketTimestamps);
    return {
      symbol: quote.contract.symbolId,
      symbolName: `/${quote.contract.name.slice(0, -2)}`,
      lastPrice: priceOf(quote.lastTicks, tick),
      // The fake's book: bid at the last print, ask one tick above.
      bestBid: priceOf(quote.lastTicks, tick),
      bestAsk: priceOf(quote.lastTicks + 1, tick),
      change: priceOf(change, tick),
      changePercent: Number(((change / quote.referenceTicks) * 100).toFixed(4)),
      open: priceOf(quote.openTicks, tick),
      high: priceOf(quote.highTicks, tick),
      low: priceOf(quote.lowTicks, tick),
      volume: quote.volume,
      lastUpdated: stamp,
      timestamp: stamp,
    };
  }

  private sendQuote(socket: HubSocket, subscriptions: MarketSubscriptions, quote: QuoteState): void {
    if (!socket.isOpen || socket.stalled) return;
    const full = this.quoteFields(quote);
    const previous = subscriptions.sentQuotes.get(quote.contract.id);
    let payload = full;
    if (this.options.quirks.sparseQuotes && previous) {
      // Sparse update: only what changed; `symbol` always identifies the contract.
      payload = { symbol: full.symbol };
      for (const [key, value] of Object.entries(full)) if (previous[key] !== value) payload[key] = value;
    }
    subscriptions.sentQuotes.set(quote.contract.id, full);
    socket.sendEvent(this.eventName('GatewayQuote'), [quote.contract.id, payload], this.encode);
  }

  /** A new quote subscriber gets the current quote at once, when there is one. */
  private sendSnapshot(socket: HubSocket, contractId: string): void {
    const quote = this.quotes.get(contractId);
    if (!quote) return;
    const subscriptions = socket.state.get(SUBSCRIPTIONS) as MarketSubscriptions;
    subscriptions.sentQuotes.delete(contractId);
    this.sendQuote(socket, subscriptions, quote);
  }

  // ---------------------------------------------------------------- faults

  private targets(hub?: HubName): HubSocket[] {
    return hub ? [...this.sockets[hub]] : [...this.sockets.user, ...this.sockets.market];
  }

  drop(hub?: HubName): void {
    for (const socket of this.targets(hub)) socket.drop();
  }

  close(hub: HubName | undefined, options: { error?: string; allowReconnect?: boolean }): void {
    for (const socket of this.targets(hub)) socket.close(options);
  }

  stall(hub: HubName, stalled: boolean): void {
    this.stalled[hub] = stalled;
    for (const socket of this.sockets[hub]) socket.stalled = stalled;
  }

  silence(hub: HubName, silent: boolean): void {
    this.silent[hub] = silent;
    for (const socket of this.sockets[hub]) socket.silent = silent;
  }

  /** GatewayLogout on both hubs, then close; `keepToken` spares connections opened with that token. */
  logout(keepToken?: string): void {
    for (const socket of this.targets()) {
      if (keepToken !== undefined && socket.state.get(TOKEN) === keepToken) continue;
      socket.sendEventAlways(this.eventName('GatewayLogout'), []);
      socket.close({ error: 'The session was logged out.' });
    }
  }

  /** Scenario hook: deliver any event as-is (reordered, duplicated, unknown orders…). */
  inject(hub: HubName, target: string, args: unknown[]): void {
    for (const socket of this.sockets[hub]) socket.sendEventAlways(target, args);
  }

  closeAll(): void {
    for (const socket of this.targets()) socket.drop();
  }
}

function publicAccount(account: {
  id: number;
  name: string;
  balance: number;
  canTrade: boolean;
  isVisible: boolean;
  simulated: boolean;
}): Record<string, unknown> {
  const { id, name, balance, canTrade, isVisible, simulated } = account;
  return { id, name, balance, canTrade, isVisible, simulated };
}

function accountIdArgument(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new Error(
      `InvalidDataException: Error binding arguments. accountId must be an integer, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function contractIdArgument(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(
      `InvalidDataException: Error binding arguments. contractId must be a string, got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

function table(
  entries: [string, number, HubMethod][],
): Map<string, { name: string; arity: number; run: HubMethod }> {
  return new Map(entries.map(([name, arity, run]) => [name.toLowerCase(), { name, arity, run }]));
}

function user(socket: HubSocket): UserSubscriptions {
  return socket.state.get(SUBSCRIPTIONS) as UserSubscriptions;
}

function market(socket: HubSocket): MarketSubscriptions {
  return socket.state.get(SUBSCRIPTIONS) as MarketSubscriptions;
}

function userMethods(): Map<string, { name: string; arity: number; run: HubMethod }> {
  const perAccount = (pick: (s: UserSubscriptions) => Set<number>, subscribe: boolean): HubMethod => {
    return (socket, args) => {
      const id = accountIdArgument(args[0]);
      if (subscribe) pick(user(socket)).add(id);
      else pick(user(socket)).delete(id);
      return undefined;
    };
  };
  return table([
    [
      'SubscribeAccounts',
      0,
      (socket) => {
        user(socket).accounts = true;
      },
    ],
    [
      'UnsubscribeAccounts',
      0,
      (socket) => {
        user(socket).accounts = false;
      },
    ],
    ['SubscribeOrders', 1, perAccount((s) => s.orders, true)],
    ['UnsubscribeOrders', 1, perAccount((s) => s.orders, false)],
    ['SubscribePositions', 1, perAccount((s) => s.positions, true)],
    ['UnsubscribePositions', 1, perAccount((s) => s.positions, false)],
    ['SubscribeTrades', 1, perAccount((s) => s.trades, true)],
    ['UnsubscribeTrades', 1, perAccount((s) => s.trades, false)],
  ]);
}

function marketMethods(
  snapshot: (socket: HubSocket, contractId: string) => void,
): Map<string, { name: string; arity: number; run: HubMethod }> {
  const perContract = (
    pick: (s: MarketSubscriptions) => Set<string>,
    subscribe: boolean,
    withSnapshot = false,
  ): HubMethod => {
    return (socket, args) => {
      const id = contractIdArgument(args[0]);
      if (subscribe) {
        pick(market(socket)).add(id);
        // After the Completion, in the same frame: events follow the reply like on the real server.
        if (withSnapshot) queueMicrotask(() => snapshot(socket, id));
      } else {
        pick(market(socket)).delete(id);
      }
      return undefined;
    };
  };
  return table([
    ['SubscribeContractQuotes', 1, perContract((s) => s.quotes, true, true)],
    ['UnsubscribeContractQuotes', 1, perContract((s) => s.quotes, false)],
    ['SubscribeContractTrades', 1, perContract((s) => s.trades, true)],
    ['UnsubscribeContractTrades', 1, perContract((s) => s.trades, false)],
    ['SubscribeContractMarketDepth', 1, perContract((s) => s.depth, true)],
    ['UnsubscribeContractMarketDepth', 1, perContract((s) => s.depth, false)],
  ]);
}
