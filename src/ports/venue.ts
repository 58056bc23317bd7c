/**
 * A venue: where the bot's orders go and its market data comes from (TopstepX, the local ProjectX
 * gateway, the paper exchange; one day Tradovate or Rithmic). One factory per broker folder builds
 * it; the registry (src/app/venues.ts) names them, one line each. See docs/architecture.md.
 */
import type { Observable } from 'rxjs';
import type { EngineCommand } from '../domain/events.ts';
import type { Bar, PriceTick, Side } from '../domain/types.ts';
import type { PositionView } from './engine.ts';
import type { Broker, Clock, ExchangeHealth } from './index.ts';

/** What a venue needs to know of the run (from the bot's configuration). */
export interface VenueOptions {
  readonly symbols: readonly string[];
  /** The account to trade; default: the venue's first active account. */
  readonly accountId?: string | undefined;
  /** Connect for data, log the orders instead of sending them. */
  readonly dryRun: boolean;
  readonly protectiveStops: 'broker' | 'bracket' | 'local';
  /** The demo market drives prices (the local gateway then has no history of its own). */
  readonly demo: boolean;
  /** A local gateway already running (else the local venue starts one). */
  readonly gatewayUrl?: string | undefined;
  /** A broker position the bot does not know: adopt it into a ladder of its own (default), or flatten it. */
  readonly unknownPositions?: 'adopt' | 'flatten';
  /** How often the broker's book is compared with the engine's and repaired, ms (default 5 s). */
  readonly reconcileIntervalMs?: number;
}

export interface VenueLogger {
  debug(o: object, m?: string): void;
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
}

/** A position the store still holds open, before the engine is restored. */
export interface KnownOpenPosition {
  readonly positionId: string;
  readonly contractId: string;
  readonly side: Side;
  readonly quantity: number;
}

export interface VenueContext {
  readonly options: VenueOptions;
  readonly clock: Clock;
  readonly logger: VenueLogger;
  /** Environment variables (credentials); never logged. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What the engine holds: the stored rows until it is restored, then its live positions. */
  readonly knownPositions: () => readonly KnownOpenPosition[];
  /**
   * Take over a broker position the engine does not know (unknown exposure, adopt policy) into a
   * ladder actor of its own (SignalProcessor.adoptPosition); refused with a reason (the venue then
   * flattens it), or null while the engine is not running yet (left open, asked again next pass).
   */
  readonly adoptPosition?: (position: UnknownBrokerPosition) => AdoptOutcome | null;
}

/** A position the broker holds that the engine did not open. */
export interface UnknownBrokerPosition {
  /** The broker's position id (ids of the adopted position derive from it). */
  readonly brokerPositionId: string;
  readonly symbol: string;
  readonly contractId: string;
  readonly side: Side;
  readonly quantity: number;
  readonly averagePrice: number;
}

export type AdoptOutcome =
  | { readonly ok: true; readonly positionId: string }
  | { readonly ok: false; readonly reason: string };

/** A root symbol's active contract changed (a quarterly roll): new entries go to `to`. */
export interface ContractChange {
  readonly symbol: string;
  readonly from: string;
  readonly to: string;
}

/** The engine after its actors were restored, as a venue re-arms or resyncs them. */
export interface RestoredEngine {
  positions(): readonly PositionView[];
  /** The commands a restored position asks again (src/runtime/recovery.ts rearmCommands). */
  rearm(view: PositionView, freshVenue: boolean): readonly EngineCommand[];
}

/** The trading account as the venue reports it (balance in dollars, ts from the venue's clock). */
export interface AccountState {
  readonly balance: number;
  /** False once the broker stops the account (a failed Maximum Loss Limit, a daily loss block). */
  readonly canTrade: boolean;
  readonly ts: number;
}

/**
 * One repair the venue made because the broker's book differed from what the engine holds (a stop
 * that stopped working, an orphan order, an unknown position): for the operator's log and alerts.
 */
export interface VenueRepair {
  readonly kind: 'stop_replaced' | 'order_cancelled' | 'position_flattened' | 'position_adopted';
  readonly accountId: string;
  readonly positionId?: string;
  /** The broker's order id (stop_replaced: the stop that was lost; order_cancelled: the orphan). */
  readonly orderId?: string;
  readonly contractId?: string;
  /** What was found and done, in words (e.g. "stop 1234 (tag p1-s1) is no longer working …"). */
  readonly reason: string;
  readonly ts: number;
  /** Which check found it: the periodic desired-state pass, start, a hub reconnect, … */
  readonly detectedBy: 'periodic' | 'start' | 'reconnect' | 'user-hub-poll' | 'broker-flat' | 'other';
}

export interface Venue {
  readonly kind: string;
  readonly accountId: string;
  /** Orders: the port the engine runtime sends its commands to. */
  readonly broker: Broker;
  /** Market data. */
  readonly ticks$?: Observable<PriceTick>;
  readonly health$?: Observable<ExchangeHealth>;
  /** Repairs the venue made to bring the broker's book back to what the engine holds (see VenueRepair). */
  readonly repairs$?: Observable<VenueRepair>;
  /** Paper: every price also goes to the simulated exchange's matching. */
  onPrice?(symbol: string, price: number, ts: number, size: number): void;
  /** Local gateway in-process: demo prices go to the gateway and come back through the market hub. */
  pushDemoPrice?(symbol: string, price: number, ts: number): void;
  /** Contracts: the contract traded for a root symbol (new entries; open positions keep their own). */
  contractId(symbol: string): string;
  /**
   * Resolve each root symbol's active contract again (at each trading-day start, src/app/contract-roll.ts):
   * the changes, after which `contractId` returns the new month and its prints arrive on `ticks$`
   * (the old month's prints too, while a position holds it). Venues whose contracts never change
   * (paper) leave it out. See docs/rollover.md.
   */
  refreshContracts?(now: number): Promise<ContractChange[]>;
  /** Where the demo market centres its value area. */
  demoCenter(symbol: string): number;
  /** History: 1m bars before `now` for the first profiles. */
  history(symbol: string, now: number): Promise<Bar[]>;
  /**
   * The account, live: the broker's pushes (balance after each fill, canTrade changes) and a fresh
   * read after every reconnect. Replays the latest state to a new subscriber. Absent when the venue
   * has no real account.
   */
  readonly account$?: Observable<AccountState>;
  /** The account's balance as the venue reports it, dollars; null when it has no real account. */
  accountBalance(): Promise<number | null>;
  /** Reconcile and resync after the engine restored its actors (re-arm a fresh venue's book). */
  afterRestore(engine: RestoredEngine): Promise<void>;
  stop(): Promise<void>;
}

export type VenueFactory = (context: VenueContext) => Promise<Venue>;
