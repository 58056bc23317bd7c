/**
 * The user and market hubs as RxJS streams (projectx-gateway.md §9–§13). Automatic reconnect with a
 * fresh token and every subscription replayed; `GatewayLogout` → log in again once and reconnect both
 * hubs; a staleness watchdog per hub marks health red with a reason. `reconnected$` fires after every
 * reconnect, once subscriptions are back: the reconciler listens to it before signals are accepted.
 */
import { BehaviorSubject, type Observable, Subject } from 'rxjs';
import type { ExchangeHealth, HealthLevel } from '../../ports/index.ts';
import type { ProjectXHttp } from './http.ts';
import { HubLink } from './hub-link.ts';
import { type AdapterLogger, silentLogger } from './log.ts';
import type { Account, GridLookup, HalfTrade, Order, Position } from './models.ts';
import {
  type MarketTrade,
  type Quote,
  QuoteBook,
  readMarketTrades,
  readUserAccounts,
  readUserOrders,
  readUserPositions,
  readUserTrades,
} from './parse.ts';

export interface ProjectXHubsOptions {
  readonly http: ProjectXHttp;
  readonly userHubUrl: string;
  readonly marketHubUrl: string;
  readonly accountId: number;
  readonly grids?: GridLookup;
  /** Market hub is stale after this long without a quote or trade while subscribed (default 60 s). */
  readonly marketStaleMs?: number;
  /** User hub is stale after this long without any frame, pings included (default 45 s). */
  readonly userStaleMs?: number;
  /** Watchdog check interval (default 1 s). */
  readonly watchdogIntervalMs?: number;
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly serverTimeoutMs?: number;
  readonly keepAliveMs?: number;
  readonly now?: () => number;
  readonly logger?: AdapterLogger;
}

export type HubName = 'user' | 'market';

export interface HubReconnect {
  readonly hub: HubName;
  readonly at: number;
  readonly reason: string;
}

const QUOTE_METHODS = ['SubscribeContractQuotes', 'SubscribeContractTrades'] as const;

export class ProjectXHubs {
  readonly quotes$: Observable<Quote>;
  readonly trades$: Observable<MarketTrade>;
  readonly orders$: Observable<Order>;
  readonly positions$: Observable<Position>;
  readonly userTrades$: Observable<HalfTrade>;
  readonly accounts$: Observable<Account>;
  readonly health$: Observable<ExchangeHealth>;
  /** After every reconnect (not the first connect), once subscriptions are replayed. */
  readonly reconnected$: Observable<HubReconnect>;
  /** Payloads that could not be read (the stream goes on). */
  readonly decodeErrors$: Observable<string>;

  readonly user: HubLink;
  readonly market: HubLink;
  readonly quoteBook: QuoteBook;

  private readonly quotes = new Subject<Quote>();
  private readonly trades = new Subject<MarketTrade>();
  private readonly orders = new Subject<Order>();
  private readonly positions = new Subject<Position>();
  private readonly userTrades = new Subject<HalfTrade>();
  private readonly accounts = new Subject<Account>();
  private readonly health: BehaviorSubject<ExchangeHealth>;
  private readonly reconnected = new Subject<HubReconnect>();
  private readonly decodeErrors = new Subject<string>();
  private readonly contracts = new Set<string>();
  private readonly now: () => number;
  private readonly log: AdapterLogger;
  private readonly level: Record<HubName, { level: HealthLevel; reason?: string }> = {
    user: { level: 'red', reason: 'user hub not connected' },
    market: { level: 'red', reason: 'market hub not connected' },
  };
  private lastMarketDataAt = 0;
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private loggingOut: Promise<void> | null = null;
  private readonly logouts: number[] = [];
  private running = false;

  constructor(private readonly options: ProjectXHubsOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.logger ?? silentLogger;
    this.quoteBook = new QuoteBook(options.grids);
    this.health = new BehaviorSubject<ExchangeHealth>(this.snapshot());
    this.quotes$ = this.quotes.asObservable();
    this.trades$ = this.trades.asObservable();
    this.orders$ = this.orders.asObservable();
    this.positions$ = this.positions.asObservable();
    this.userTrades$ = this.userTrades.asObservable();
    this.accounts$ = this.accounts.asObservable();
    this.health$ = this.health.asObservable();
    this.reconnected$ = this.reconnected.asObservable();
    this.decodeErrors$ = this.decodeErrors.asObservable();

    const link = (name: HubName, url: string) =>
      new HubLink({
        name,
        url,
        token: (fresh) => (fresh ? options.http.refreshToken() : options.http.currentToken()),
        peekToken: () => options.http.peekToken(),
        now: this.now,
        reconnectInitialMs: options.reconnectInitialMs,
        reconnectMaxMs: options.reconnectMaxMs,
        serverTimeoutMs: options.serverTimeoutMs,
        keepAliveMs: options.keepAliveMs,
        logger: this.log,
        onConnected: (kind) => this.connected(name, kind),
        onDisconnected: (reason) => this.setLevel(name, 'red', `${name} hub ${reason}`),
      });
    this.user = link('user', options.userHubUrl);
    this.market = link('market', options.marketHubUrl);
    this.wireUserHub();
    this.wireMarketHub();
  }

  /** Log in (if needed), connect both hubs and subscribe the account. */
  async start(): Promise<void> {
    this.running = true;
    await this.options.http.currentToken();
    const id = this.options.accountId;
    await this.user.subscribe(['SubscribeAccounts']);
    await this.user.subscribe(['SubscribeOrders', id]);
    await this.user.subscribe(['SubscribePositions', id]);
    await this.user.subscribe(['SubscribeTrades', id]);
    await Promise.all([this.user.start(), this.market.start()]);
    this.lastMarketDataAt = this.now();
    const every = this.options.watchdogIntervalMs ?? 1_000;
    this.watchdog = setInterval(() => this.checkStaleness(), every);
    this.watchdog.unref?.();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    await Promise.all([this.user.stop(), this.market.stop()]);
    this.setLevel('user', 'red', 'user hub stopped');
    this.setLevel('market', 'red', 'market hub stopped');
  }

  /** Stream quotes and trades of a contract (replayed after every reconnect). */
  async subscribeContract(contractId: string): Promise<void> {
    if (this.contracts.size === 0) this.lastMarketDataAt = this.now();
    this.contracts.add(contractId);
    for (const method of QUOTE_METHODS) await this.market.subscribe([method, contractId]);
  }

  async unsubscribeContract(contractId: string): Promise<void> {
    this.contracts.delete(contractId);
    await this.market.unsubscribe(['SubscribeContractQuotes', contractId], 'UnsubscribeContractQuotes');
    await this.market.unsubscribe(['SubscribeContractTrades', contractId], 'UnsubscribeContractTrades');
  }

  get currentHealth(): ExchangeHealth {
    return this.health.value;
  }

  /** Mark a hub stale from outside (e.g. a REST poll found a fill the user hub never sent) and reconnect it. */
  async markStale(hub: HubName, reason: string): Promise<void> {
    this.setLevel(hub, 'red', reason);
    await (hub === 'user' ? this.user : this.market).restart(reason);
  }

  private wireUserHub(): void {
    const grids = this.options.grids;
    const forward = <T>(subject: Subject<T>, decoded: { items: T[]; errors: string[] }) => {
      for (const error of decoded.errors) this.decodeErrors.next(error);
      for (const item of decoded.items) subject.next(item);
    };
    this.user.on('GatewayUserOrder', (arg) => forward(this.orders, readUserOrders(arg, grids)));
    this.user.on('GatewayUserPosition', (arg) => forward(this.positions, readUserPositions(arg, grids)));
    this.user.on('GatewayUserTrade', (arg) => forward(this.userTrades, readUserTrades(arg, grids)));
    this.user.on('GatewayUserAccount', (arg) => forward(this.accounts, readUserAccounts(arg)));
    this.user.on('GatewayLogout', () => void this.handleLogout('user'));
  }

  private wireMarketHub(): void {
    this.market.on('GatewayQuote', (contractId, arg) => {
      if (typeof contractId !== 'string') return;
      this.lastMarketDataAt = this.now();
      this.marketAlive();
      for (const quote of this.quoteBook.apply(contractId, arg)) this.quotes.next(quote);
    });
    this.market.on('GatewayTrade', (contractId, arg) => {
      if (typeof contractId !== 'string') return;
      this.lastMarketDataAt = this.now();
      this.marketAlive();
      for (const trade of readMarketTrades(contractId, arg, this.options.grids?.(contractId)))
        this.trades.next(trade);
    });
    this.market.on('GatewayDepth', () => undefined);
    this.market.on('GatewayLogout', () => void this.handleLogout('market'));
  }

  private marketAlive(): void {
    if (this.level.market.level !== 'green' && this.market.state === 'Connected')
      this.setLevel('market', 'green');
  }

  /** GatewayLogout: stop both hubs, log in once, reconnect both (coalesced across hubs). */
  private handleLogout(from: HubName): Promise<void> {
    if (this.loggingOut) return this.loggingOut;
    const at = this.now();
    this.logouts.push(at);
    while (this.logouts.length > 0 && this.logouts[0]! < at - 120_000) this.logouts.shift();
    const repeated = this.logouts.length > 5;
    const reason = repeated
      ? 'repeated GatewayLogout (more than 5 in 2 minutes): is TopstepX open in another app or browser?'
      : `GatewayLogout on the ${from} hub`;
    this.log.warn({ hub: from, repeated }, `projectx: ${reason}`);
    this.setLevel('user', 'red', reason);
    this.setLevel('market', 'red', reason);
    const run = async () => {
      if (repeated)
        await new Promise((resolve) => setTimeout(resolve, this.options.reconnectMaxMs ?? 30_000));
      await this.options.http.relogin();
      await Promise.all([this.user.restart(reason), this.market.restart(reason)]);
    };
    this.loggingOut = run()
      .catch((error) =>
        this.log.error({ error: String(error) }, 'projectx: re-login after GatewayLogout failed'),
      )
      .finally(() => {
        this.loggingOut = null;
      });
    return this.loggingOut;
  }

  private connected(hub: HubName, kind: 'connected' | 'reconnected'): void {
    this.setLevel(hub, 'green');
    if (hub === 'market') this.lastMarketDataAt = this.now();
    if (kind === 'reconnected' && this.running)
      this.reconnected.next({ hub, at: this.now(), reason: 'reconnected' });
  }

  private checkStaleness(): void {
    const now = this.now();
    const marketLimit = this.options.marketStaleMs ?? 60_000;
    const userLimit = this.options.userStaleMs ?? 45_000;
    if (
      this.market.state === 'Connected' &&
      this.contracts.size > 0 &&
      now - this.lastMarketDataAt > marketLimit
    ) {
      this.setLevel(
        'market',
        'red',
        `no market data for ${Math.round((now - this.lastMarketDataAt) / 1000)} s while subscribed`,
      );
    }
    if (this.user.state === 'Connected' && now - this.user.lastActivityAt > userLimit) {
      this.setLevel(
        'user',
        'red',
        `user hub silent (no events or pings) for ${Math.round((now - this.user.lastActivityAt) / 1000)} s`,
      );
    } else if (
      this.user.state === 'Connected' &&
      this.level.user.level === 'red' &&
      this.level.user.reason?.startsWith('user hub silent')
    ) {
      this.setLevel('user', 'green');
    }
  }

  private setLevel(hub: HubName, level: HealthLevel, reason?: string): void {
    const current = this.level[hub];
    if (current.level === level && current.reason === reason) return;
    this.level[hub] = reason === undefined ? { level } : { level, reason };
    if (level === 'red') this.log.warn({ hub, reason }, 'projectx: hub health red');
    this.health.next(this.snapshot());
  }

  private snapshot(): ExchangeHealth {
    const reasons = [this.level.user, this.level.market]
      .filter((l) => l.level !== 'green' && l.reason)
      .map((l) => l.reason);
    const health: ExchangeHealth = { marketData: this.level.market.level, userHub: this.level.user.level };
    return reasons.length > 0 ? { ...health, reason: reasons.join('; ') } : health;
  }
}
