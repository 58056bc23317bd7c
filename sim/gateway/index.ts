/**
 * Local ProjectX gateway: REST and both SignalR hubs over loopback with the real wire protocol, an
 * order book filled by `pushPrice`, switches for the real-world quirks and fault controls. For tests
 * and for trying the bot without a TopstepX account (shared/reference/projectx-gateway.md §17).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { AmbiguousMode, MutationEndpoint } from './ambiguous-outcomes.ts';
import { BarHistory } from './bars.ts';
import { defaultContracts, nextContract } from './contracts.ts';
import { Exchange, type ExchangeRules } from './exchange.ts';
import { Hubs } from './hubs.ts';
import { DEFAULT_RATE_LIMITS, RateLimiter, type RateLimitSettings } from './rate-limit.ts';
import { renderOrder, renderPosition, renderTrade } from './records.ts';
import { RestApi, type RestCall } from './rest.ts';
import { RiskEngine, type RiskState, riskSettings } from './risk-engine.ts';
import { bearerToken, Sessions } from './sessions.ts';
import type {
  GatewayAccountSetup,
  GatewayContractSetup,
  GatewayOrder,
  GatewayPosition,
  GatewayQuirks,
  GatewayTrade,
  HoldPlaceMode,
  HubName,
  RiskEngineOptions,
} from './types.ts';
import type { TimestampStyle } from './wire-format.ts';

export type { AmbiguousMode, MutationEndpoint } from './ambiguous-outcomes.ts';
export type { RestCall } from './rest.ts';
export type { RiskEvent, RiskEventKind, RiskState } from './risk-engine.ts';
export * from './types.ts';

export interface LocalGatewayOptions {
  /** 0 = random free port (default); always bound to 127.0.0.1. */
  port?: number;
  /** Accepted credentials (default 'demo' / 'demo-key'). */
  userName?: string;
  apiKey?: string;
  /** Default 24 h. */
  tokenLifetimeMs?: number;
  /** Default: one practice account, id 1001. */
  accounts?: GatewayAccountSetup[];
  /** Default: active front months of EP, MES, ENQ, MNQ, RTY, M2K, CLE, GCE, MGC plus an expired EP (§15). */
  contracts?: GatewayContractSetup[];
  quirks?: Partial<GatewayQuirks>;
  /** Clock (default Date.now). Token expiry, rate windows, timestamps and bars read it. */
  now?: () => number;
  /** Server keep-alive ping interval (default 15 s like ASP.NET Core). */
  pingIntervalMs?: number;
  /** Close a hub connection that sends no handshake in time (default 15 s). */
  handshakeTimeoutMs?: number;
  /** Rate limits of §14 (enforced by default); `false` turns enforcement off. */
  rateLimits?: Partial<RateLimitSettings> | false;
  /** How long a held placement waits for the client to give up (default 30 s). */
  ambiguousHoldMs?: number;
  /** Unconfirmed placement rules (default: 4-tick bracket minimum, stop-loss bracket must be type 4). */
  rules?: Partial<Pick<ExchangeRules, 'minimumBracketTicks' | 'requireStopTypeForStopLoss'>>;
  /** 'mixed' (default): orders/positions/trades `+00:00` with six fraction digits, bars and market data `Z`. */
  timestampStyle?: 'mixed' | TimestampStyle;
  /**
   * Topstep risk-engine mode for every account (an account's own `riskEngine` overrides it): trailing
   * Maximum Loss Limit, position cap, 15:10 CT auto-liquidation, daily loss limit. Off by default.
   */
  riskEngine?: RiskEngineOptions;
}

export interface LocalGatewayFaults {
  /** Close sockets abruptly (no close message). */
  dropConnections(hub?: HubName): void;
  /** Keep sockets open but stop delivering events (pings and completions continue). */
  stall(hub: HubName, stalled: boolean): void;
  /** Answer the next `count` REST calls (optionally to one endpoint path) with HTTP 429. */
  rateLimit(count: number, opts?: { endpoint?: string }): void;
  /** Send GatewayLogout on both hubs, close them, and invalidate every token. */
  logout(): void;
  /** Every current token becomes invalid (401). */
  expireTokens(): void;
  /** The next Order/place gets an ambiguous outcome. */
  holdNextPlace(mode: HoldPlaceMode): void;
  /**
   * The next call to a mutation endpoint gets an ambiguous outcome: held past the client timeout
   * (applied when the client gives up, or not at all), HTTP 500 after applying, or the endpoint's own
   * Pending (applied) / UnknownError (not applied) code.
   */
  ambiguousNext(endpoint: MutationEndpoint, mode: AmbiguousMode): void;
  /** Stop (or resume) server pings too, so the client's 30 s server timeout fires. */
  silence(hub: HubName, silent: boolean): void;
  /** Send a Close message (type 7), with or without allowReconnect, then close the sockets. */
  closeHubs(hub?: HubName, opts?: { error?: string; allowReconnect?: boolean }): void;
  /** Deliver a raw event to every connection of a hub, bypassing stalls (reorder, duplicate, unknown orders). */
  inject(hub: HubName, target: string, args: unknown[]): void;
  /** Whether 429 answers carry Retry-After (default on). */
  retryAfter(enabled: boolean): void;
  /**
   * The broker silently drops a working (status 1) stop order: it becomes Cancelled (3) in REST
   * (`Order/search` shows it cancelled, `Order/searchOpen` and `v2/query` no longer list it) and NO
   * GatewayUserOrder event is sent. `orderId` picks the stop (default: the account's oldest working
   * stop). Returns the dropped order as REST now renders it, or null when there was none to drop.
   */
  dropWorkingStop(accountId: number, orderId?: number): GatewayOrder | null;
}

export interface LocalGateway {
  /** http://127.0.0.1:<port>; REST at /api/..., hubs at /hubs/user and /hubs/market. */
  readonly baseUrl: string;
  readonly userHubUrl: string;
  readonly marketHubUrl: string;
  readonly port: number;
  /** Drive the market: publishes GatewayQuote/GatewayTrade/GatewayDepth and fills working orders. */
  pushPrice(contractId: string, price: number, opts?: { size?: number; ts?: number }): void;
  faults: LocalGatewayFaults;
  /** All orders ever placed (rejected ones included), oldest first. */
  orders(accountId?: number): GatewayOrder[];
  /** Open positions. */
  positions(accountId?: number): GatewayPosition[];
  trades(accountId?: number): GatewayTrade[];
  restCalls(): RestCall[];
  accounts(): GatewayAccountSetup[];
  contracts(): GatewayContractSetup[];
  /** The active contract whose exchange ticker is `ticker` (ES, NQ, MES, CL, GC…), e.g. 'CON.F.US.EP.Z26'. */
  activeContractId(ticker: string): string;
  /**
   * A roll: the ticker's active contract stops being the active one (it still trades until
   * `expireContract`) and `next` (default: the following month of its cycle) becomes it.
   */
  rollContract(ticker: string, next?: GatewayContractSetup): { from: string; to: string };
  /** The contract no longer accepts orders (it expired). */
  expireContract(contractId: string): void;
  lastPrice(contractId: string): number | undefined;
  hubConnections(hub: HubName): number;
  /** Risk-engine mode: run every rule at the current clock (pushPrice does this after its fills). */
  checkRisk(): void;
  /** Risk-engine mode: an account's balance, MLL floor, end-of-day high, trading state and rule events. */
  riskState(accountId: number): RiskState;
  close(): Promise<void>;
}

const DEFAULT_QUIRKS: GatewayQuirks = {
  actionDataWrapper: false,
  actionDataWrapperOrdersOnly: false,
  arrayNullPadding: false,
  sparseQuotes: false,
  lowercaseEventNames: false,
  omitCustomTagInSearchOpen: false,
  closeLeavesWorkingOrders: false,
  nullLists: false,
  nineDigitDecimals: false,
  singleLogin: false,
  rejectedOrdersHiddenFromSearch: false,
};

export const DEFAULT_ACCOUNT: GatewayAccountSetup = {
  id: 1001,
  name: 'PRAC-V2-LOCAL-1001',
  balance: 50_000,
  canTrade: true,
  isVisible: true,
  simulated: true,
};

export async function startLocalGateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  const now = options.now ?? Date.now;
  const quirks: GatewayQuirks = { ...DEFAULT_QUIRKS, ...options.quirks };
  const style = options.timestampStyle ?? 'mixed';
  const entityTimestamps: TimestampStyle = style === 'mixed' ? 'offset' : style;
  const marketTimestamps: TimestampStyle = style === 'mixed' ? 'zulu' : style;
  const contracts = options.contracts ?? defaultContracts(now());
  const exchange = new Exchange(options.accounts ?? [DEFAULT_ACCOUNT], contracts, now, {
    minimumBracketTicks: options.rules?.minimumBracketTicks ?? 4,
    requireStopTypeForStopLoss: options.rules?.requireStopTypeForStopLoss ?? true,
    closeLeavesWorkingOrders: quirks.closeLeavesWorkingOrders,
  });
  const riskAccounts = riskSettings(options.riskEngine, exchange.accountList());
  const risk = riskAccounts.size > 0 ? new RiskEngine(exchange, now, riskAccounts) : null;
  const sessions = new Sessions(now, options.tokenLifetimeMs ?? 24 * 60 * 60 * 1000);
  const rateSettings: RateLimitSettings =
    options.rateLimits === false
      ? { ...DEFAULT_RATE_LIMITS, enforce: false }
      : { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const limiter = new RateLimiter(rateSettings, now);
  const bars = new BarHistory();
  const hubs = new Hubs({
    quirks,
    pingIntervalMs: options.pingIntervalMs ?? 15_000,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 15_000,
    entityTimestamps,
    marketTimestamps,
    contract: (id) => exchange.contract(id),
  });
  exchange.onEvent((event) => {
    if (event.kind === 'tick') bars.record(event.contract.id, event.ts, event.priceTicks, event.size);
    hubs.publish(event);
  });
  const rest = new RestApi({
    exchange,
    sessions,
    limiter,
    bars,
    quirks,
    now,
    credentials: { userName: options.userName ?? 'demo', apiKey: options.apiKey ?? 'demo-key' },
    entityTimestamps,
    barTimestamps: marketTimestamps,
    ambiguousHoldMs: options.ambiguousHoldMs ?? 30_000,
    onLogin: (token) => {
      if (!quirks.singleLogin) return;
      sessions.revokeAll(token);
      hubs.logout(token);
    },
  });
  rest.setRetryAfter(rateSettings.retryAfter);

  const negotiations = new Map<string, HubName>();
  let negotiationCounter = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (rest.handles(path)) {
      rest.handle(req, res, path).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(error instanceof Error ? error.message : 'internal error');
      });
      return;
    }
    const negotiate = /^\/hubs\/(user|market)\/negotiate\/?$/i.exec(path);
    if (negotiate && req.method === 'POST') {
      if (!tokenFrom(req, url, sessions)) {
        res.writeHead(401, { 'WWW-Authenticate': 'Bearer' });
        res.end();
        return;
      }
      negotiationCounter += 1;
      const connectionToken = `local-connection-token-${negotiationCounter}`;
      negotiations.set(connectionToken, negotiate[1]!.toLowerCase() as HubName);
      const version = Number(url.searchParams.get('negotiateVersion') ?? '0') >= 1 ? 1 : 0;
      const body: Record<string, unknown> = {
        negotiateVersion: version,
        connectionId: version === 1 ? `local-connection-${negotiationCounter}` : connectionToken,
        availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
      };
      if (version === 1) body['connectionToken'] = connectionToken;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end(
      `No route for ${req.method} ${path}; REST lives under /api/, hubs at /hubs/user and /hubs/market`,
    );
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hubMatch = /^\/hubs\/(user|market)\/?$/i.exec(url.pathname);
    const refuse = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!hubMatch) return refuse('404 Not Found');
    const hub = hubMatch[1]!.toLowerCase() as HubName;
    const token = tokenFrom(req, url, sessions);
    if (!token) return refuse('401 Unauthorized');
    const id = url.searchParams.get('id');
    if (id !== null) {
      if (negotiations.get(id) !== hub) return refuse('404 Not Found');
      negotiations.delete(id);
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      hubs.attach(hub, ws, token);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;

  const activeContractId = (ticker: string): string => {
    const wanted = ticker.toUpperCase().replace(/1!$/, '');
    const match = exchange
      .contractList()
      .find((c) => c.activeContract && c.name.slice(0, -2).toUpperCase() === wanted);
    if (!match) {
      const known = exchange
        .contractList()
        .filter((c) => c.activeContract)
        .map((c) => c.name.slice(0, -2));
      throw new Error(`No active contract for ticker '${ticker}'; known tickers: ${known.join(', ')}`);
    }
    return match.id;
  };

  return {
    baseUrl,
    userHubUrl: `${baseUrl}/hubs/user`,
    marketHubUrl: `${baseUrl}/hubs/market`,
    port,
    pushPrice(contractId, price, opts = {}) {
      exchange.pushPrice(contractId, price, opts.size ?? 1, opts.ts ?? now());
      risk?.check();
    },
    faults: {
      dropConnections: (hub) => hubs.drop(hub),
      stall: (hub, stalled) => hubs.stall(hub, stalled),
      rateLimit: (count, opts) => limiter.force(count, opts?.endpoint),
      logout: () => {
        hubs.logout();
        sessions.revokeAll();
      },
      expireTokens: () => sessions.expireAll(),
      holdNextPlace: (mode) => rest.holdNextPlace(mode),
      ambiguousNext: (endpoint, mode) => rest.ambiguousNext(endpoint, mode),
      silence: (hub, silent) => hubs.silence(hub, silent),
      closeHubs: (hub, opts = {}) => hubs.close(hub, opts),
      inject: (hub, target, args) => hubs.inject(hub, target, args),
      retryAfter: (enabled) => rest.setRetryAfter(enabled),
      dropWorkingStop: (accountId, orderId) => {
        const dropped = exchange.dropWorkingStop(accountId, orderId);
        return dropped ? renderOrder(dropped, entityTimestamps) : null;
      },
    },
    orders: (accountId) => exchange.orderList(accountId).map((o) => renderOrder(o, entityTimestamps)),
    positions: (accountId) =>
      exchange.openPositions(accountId).map((p) => renderPosition(p, entityTimestamps)),
    trades: (accountId) => exchange.tradeList(accountId).map((t) => renderTrade(t, entityTimestamps)),
    restCalls: () => [...rest.calls],
    accounts: () => exchange.accountList().map((a) => ({ ...a })),
    contracts: () => exchange.contractList().map((c) => ({ ...c })),
    activeContractId,
    rollContract(ticker, next) {
      const from = activeContractId(ticker);
      const current = exchange.contract(from)!;
      const to = next ?? nextContract(current);
      exchange.setContract({ ...current, activeContract: false, tradable: true });
      exchange.setContract({ ...to, activeContract: true });
      return { from, to: to.id };
    },
    expireContract(contractId) {
      const contract = exchange.contract(contractId);
      if (!contract) throw new Error(`expireContract: unknown contractId '${contractId}'`);
      exchange.setContract({ ...contract, activeContract: false, tradable: false });
    },
    lastPrice: (contractId) => {
      const ticks = exchange.lastPriceTicks(contractId);
      const contract = exchange.contract(contractId);
      return ticks === undefined || !contract ? undefined : Number((ticks * contract.tickSize).toFixed(9));
    },
    hubConnections: (hub) => hubs.connectionCount(hub),
    checkRisk: () => risk?.check(),
    riskState: (accountId) => {
      if (!risk?.covers(accountId)) {
        throw new Error(
          `riskState: account ${accountId} has no risk engine (start the gateway with riskEngine)`,
        );
      }
      return risk.state(accountId);
    },
    close: async () => {
      hubs.closeAll();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A valid token from the Authorization header or any `access_token` query value (it may be duplicated). */
function tokenFrom(req: IncomingMessage, url: URL, sessions: Sessions): string | null {
  const candidates = [bearerToken(req.headers.authorization), ...url.searchParams.getAll('access_token')];
  for (const candidate of candidates) if (candidate && sessions.check(candidate).ok) return candidate;
  return null;
}
