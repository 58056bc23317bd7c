/**
 * One TopstepX session for the bot: log in once, pick the account, resolve the traded symbols to
 * active contracts, connect both hubs, and reconcile before anything trades. The runtime gets the
 * ports (`broker`, `marketData`) and the gate (`reconciler.ready$`); nothing here decides trades.
 * `refreshContracts` resolves the symbols again while running (a quarterly roll: docs/rollover.md).
 */
import { resolveTicker } from '../../domain/instruments.ts';
import type { MarketData } from '../../ports/index.ts';
import type { AdoptOutcome, ContractChange } from '../../ports/venue.ts';
import { TopstepxBroker } from './broker.ts';
import type { ProjectXConfig } from './config.ts';
import { resolveContract } from './contracts.ts';
import { ProjectXHubs, type ProjectXHubsOptions } from './hubs.ts';
import { type AdapterLogger, silentLogger } from './log.ts';
import { marketDataFromHubs } from './market-data.ts';
import type { Account, Contract, Position } from './models.ts';
import {
  type ExpectedStop,
  type KnownPosition,
  Reconciler,
  type UnknownExposurePolicy,
} from './reconcile.ts';
import { ProjectXRest } from './rest.ts';

export interface TopstepxSessionOptions {
  readonly config: ProjectXConfig;
  /** Root symbols or TradingView tickers to trade (ES, NQ1!, MNQ…). */
  readonly symbols: readonly string[];
  readonly dryRun?: boolean;
  /** Entries carry the plan's stop as a stop-loss bracket (see TopstepxBrokerOptions.bracketStops). */
  readonly bracketStops?: boolean;
  readonly unknownExposure?: UnknownExposurePolicy;
  /** Adopt policy: take an unknown position into a ladder actor (null: not yet; see applyReconciliation). */
  readonly adopt?: (position: Position) => AdoptOutcome | null;
  /** What the engine believes after restoring its snapshot (default: nothing open). */
  readonly knownPositions?: () => readonly KnownPosition[];
  /**
   * Contracts the engine's positions hold, working entries included: a rolled month stays routed
   * while one does (default: the contracts of `knownPositions`).
   */
  readonly contractsInUse?: () => readonly string[];
  /**
   * The protective stops the engine holds (broker or bracket stops; default none): what the
   * desired-state pass looks for among the broker's working orders.
   */
  readonly expectedStops?: () => readonly ExpectedStop[];
  /** Poll REST for events the user hub missed while orders work (ms; 0 disables; default 15 s). */
  readonly userHubPollMs?: number;
  /**
   * Compare the broker's working orders and positions with what the engine holds and repair the
   * difference (a stop the broker dropped, an orphan order, unknown exposure): every this many ms and
   * after each reconnect (0 disables; default 5 s; never in a dry run). Two REST reads a pass.
   */
  readonly desiredStateIntervalMs?: number;
  /**
   * After the user hub reports a contract flat while the engine still holds a position on it, wait
   * this long for our own fills to arrive, then reconcile (the broker may have closed it: ms; 1.5 s).
   */
  readonly brokerFlatGraceMs?: number;
  /** How often to check the token's age so it is refreshed even without REST traffic (default 10 min). */
  readonly tokenCheckMs?: number;
  readonly hubs?: Partial<Omit<ProjectXHubsOptions, 'http' | 'userHubUrl' | 'marketHubUrl' | 'accountId'>>;
  readonly logger?: AdapterLogger;
}

export interface TopstepxSession {
  readonly rest: ProjectXRest;
  readonly hubs: ProjectXHubs;
  readonly broker: TopstepxBroker;
  readonly marketData: MarketData;
  readonly reconciler: Reconciler;
  readonly account: Account;
  /** Root symbol → active contract (changes when `refreshContracts` finds a new one). */
  readonly contracts: ReadonlyMap<string, Contract>;
  /**
   * Search the contracts again as at start; a symbol whose active contract changed gets the new one
   * (subscribed, routed, the broker's default), while the old month's prints keep arriving as long
   * as a known position holds it. A ticker naming a month (ESZ6) never changes.
   */
  refreshContracts(): Promise<ContractChange[]>;
  stop(): Promise<void>;
}

export async function startTopstepxSession(options: TopstepxSessionOptions): Promise<TopstepxSession> {
  const log = options.logger ?? silentLogger;
  const { config } = options;
  const rest = new ProjectXRest({ baseUrl: config.apiUrl, credentials: config, logger: log });
  const account = pickAccount(await rest.searchAccounts(true), config.accountId);
  const contracts = new Map<string, Contract>();
  /** Root symbol → the ticker as configured (ES, NQ1!, ESZ6). */
  const tickers = new Map<string, string>();
  for (const ticker of options.symbols) {
    const resolved = resolveTicker(ticker);
    if (!resolved.ok) throw new Error(resolved.error);
    contracts.set(resolved.symbol, await resolveContract(rest, ticker));
    tickers.set(resolved.symbol, ticker);
  }
  // contractId → root symbol: the front months, and after a roll the months positions still hold.
  const symbolByContract = new Map([...contracts].map(([symbol, c]) => [c.id, symbol]));
  // The broker's default contract per symbol (for a command without one); updated on a roll.
  const contractIds: Record<string, string> = Object.fromEntries(
    [...contracts].map(([symbol, c]) => [symbol, c.id]),
  );
  const hubs = new ProjectXHubs({
    ...options.hubs,
    http: rest.http,
    userHubUrl: config.userHubUrl,
    marketHubUrl: config.marketHubUrl,
    accountId: account.id,
    grids: (id) => rest.gridOf(id),
    logger: log,
  });
  await hubs.start();
  for (const contract of contracts.values()) await hubs.subscribeContract(contract.id);
  const broker = new TopstepxBroker({
    rest,
    hubs,
    accountId: account.id,
    dryRun: options.dryRun ?? false,
    bracketStops: options.bracketStops ?? false,
    contractIds,
    logger: log,
  });
  const reconciler = new Reconciler({
    rest,
    broker,
    hubs,
    accountId: account.id,
    unknownExposure: options.unknownExposure ?? 'adopt',
    ...(options.adopt ? { adopt: options.adopt } : {}),
    reportOnly: options.dryRun ?? false,
    knownState: () => ({
      knownPositions: options.knownPositions?.() ?? [],
      knownOrderTags: broker.knownOrderTags(),
      tagOf: (orderId: number) => broker.tagOf(orderId),
      isFillSeen: (fillId: number) => broker.hasSeenFill(fillId),
      expectedStops: options.expectedStops?.() ?? [],
    }),
    logger: log,
  });
  await reconciler.start();
  // Hubs hold the token for hours without REST calls: refresh it on schedule (20 h), not only on demand.
  const tokenTimer = setInterval(() => {
    rest.http
      .currentToken()
      .catch((error) => log.warn({ error: String(error) }, 'topstepx: token refresh failed'));
  }, options.tokenCheckMs ?? 600_000);
  tokenTimer.unref?.();
  const pollMs = options.userHubPollMs ?? 15_000;
  if (pollMs > 0 && !options.dryRun) reconciler.startPolling(pollMs);
  const desiredMs = options.desiredStateIntervalMs ?? 5_000;
  if (desiredMs > 0 && !options.dryRun) reconciler.startDesiredState(desiredMs);
  // A contract the broker reports flat while the engine still holds it: the broker closed it by itself
  // (auto-liquidation at the deadline, a loss limit, a manual close) unless our own fills follow.
  const flatTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const flatWatch = hubs.positions$.subscribe((p) => {
    if (p.size > 0 || options.dryRun) return;
    clearTimeout(flatTimers.get(p.contractId));
    const timer = setTimeout(() => {
      flatTimers.delete(p.contractId);
      const held = (options.knownPositions?.() ?? []).some(
        (k) => k.contractId === p.contractId && k.quantity > 0,
      );
      if (!held) return;
      reconciler
        .run(`broker reports ${p.contractId} flat`, 'broker-flat')
        .catch((error: unknown) =>
          log.warn({ error: String(error) }, 'topstepx: reconcile after a broker flat failed'),
        );
    }, options.brokerFlatGraceMs ?? 1_500);
    timer.unref?.();
    flatTimers.set(p.contractId, timer);
  });
  log.info(
    {
      accountId: account.id,
      contracts: [...contracts.values()].map((c) => c.id),
      dryRun: options.dryRun ?? false,
    },
    'topstepx: session ready',
  );
  return {
    rest,
    hubs,
    broker,
    marketData: marketDataFromHubs(hubs, (id) => symbolByContract.get(id)),
    reconciler,
    account,
    contracts,
    async refreshContracts() {
      const changes: ContractChange[] = [];
      for (const [symbol, ticker] of tickers) {
        const resolved = resolveTicker(ticker);
        if (resolved.ok && resolved.contractMonth) continue; // a month named in the ticker stays
        let next: Contract;
        try {
          next = await resolveContract(rest, ticker);
        } catch (error) {
          log.warn(
            { symbol, error: String(error) },
            'topstepx: contracts not refreshed; keeping the current one',
          );
          continue;
        }
        const current = contracts.get(symbol);
        if (current?.id === next.id) continue;
        // Route and subscribe the new month before entries can go to it.
        symbolByContract.set(next.id, symbol);
        await hubs
          .subscribeContract(next.id)
          .catch((error: unknown) =>
            log.warn(
              { contractId: next.id, error: String(error) },
              'topstepx: subscribe failed; the reconnect retries it',
            ),
          );
        contracts.set(symbol, next);
        contractIds[symbol] = next.id;
        if (current) changes.push({ symbol, from: current.id, to: next.id });
      }
      // A retired month no known position holds any more: its prints are not needed.
      const held = new Set(
        options.contractsInUse?.() ?? (options.knownPositions?.() ?? []).map((p) => p.contractId),
      );
      const front = new Set([...contracts.values()].map((c) => c.id));
      for (const id of [...symbolByContract.keys()]) {
        if (front.has(id) || held.has(id)) continue;
        symbolByContract.delete(id);
        await hubs
          .unsubscribeContract(id)
          .catch((error: unknown) =>
            log.warn({ contractId: id, error: String(error) }, 'topstepx: unsubscribe failed'),
          );
      }
      return changes;
    },
    async stop() {
      clearInterval(tokenTimer);
      flatWatch.unsubscribe();
      for (const timer of flatTimers.values()) clearTimeout(timer);
      reconciler.stop();
      broker.beginClosing();
      await broker.idle();
      broker.dispose();
      await hubs.stop();
    },
  };
}

function pickAccount(accounts: readonly Account[], wanted: number | undefined): Account {
  const list = accounts
    .map((a) => `${a.id} (${a.name}${a.simulated ? ', practice' : ''}${a.canTrade ? '' : ', cannot trade'})`)
    .join(', ');
  if (wanted !== undefined) {
    const account = accounts.find((a) => a.id === wanted);
    if (!account)
      throw new Error(`PROJECTX_ACCOUNT_ID ${wanted} is not among your active accounts: ${list || 'none'}`);
    if (!account.canTrade) throw new Error(`account ${wanted} cannot trade right now (canTrade is false)`);
    return account;
  }
  const tradable = accounts.filter((a) => a.canTrade);
  if (tradable.length === 1) return tradable[0]!;
  throw new Error(
    tradable.length === 0
      ? `no account can trade: ${list || 'no active accounts'}`
      : `several accounts can trade: set PROJECTX_ACCOUNT_ID in .env to one of ${list}`,
  );
}
