/**
 * Rollover while running: at each CME trading-day start (17:00 America/Chicago, on the bot's clock)
 * the venue resolves each root symbol's active contract again (`Venue.refreshContracts`). A change
 * is logged ("ES rolled from CON.F.US.EP.Z26 to CON.F.US.EP.H27"); from then on `contractId(symbol)`
 * names the new month, so new entries go there, while open positions keep the contract stored in
 * their context for their stops and exits. See docs/rollover.md.
 */
import { tradingDayId } from '../domain/session-time.ts';
import type { ContractChange, Venue, VenueLogger } from '../ports/venue.ts';

/**
 * Notices the start of a new CME trading day in a stream of event times. The first time seen only
 * sets the day (the contracts were resolved at start); a later time on a later trading day returns
 * that day's id, once. Times that go back (a late tick) change nothing.
 */
export class TradingDayWatch {
  private day: string | null = null;

  constructor(private readonly dayOf: (ts: number) => string = tradingDayId) {}

  /** The new trading day's id when `ts` starts one, else null. */
  observe(ts: number): string | null {
    const day = this.dayOf(ts);
    if (this.day === null) {
      this.day = day;
      return null;
    }
    if (day <= this.day) return null;
    this.day = day;
    return day;
  }
}

export interface ContractRoll {
  /** Event time passes (clock ticks, price ticks): at a new trading day the contracts are refreshed. */
  observe(ts: number): void;
  /** Resolves when every refresh started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
  /** Every change so far, oldest first. */
  readonly changes: readonly ContractChange[];
}

export function startContractRoll(deps: {
  readonly venue: Pick<Venue, 'refreshContracts'>;
  readonly logger: Pick<VenueLogger, 'info' | 'warn'>;
  readonly watch?: TradingDayWatch;
}): ContractRoll {
  const { venue, logger } = deps;
  const watch = deps.watch ?? new TradingDayWatch();
  const changes: ContractChange[] = [];
  // One refresh at a time, in order: a day that starts while one runs queues behind it.
  let chain: Promise<void> = Promise.resolve();
  const refresh = (now: number, tradingDay: string): Promise<void> =>
    (venue.refreshContracts?.(now) ?? Promise.resolve([])).then(
      (found) => {
        for (const change of found) {
          changes.push(change);
          logger.info(
            { ...change, tradingDay },
            `${change.symbol} rolled from ${change.from} to ${change.to}`,
          );
        }
      },
      (error: unknown) =>
        logger.warn(
          { tradingDay, error: String(error) },
          'contracts not refreshed at the trading-day start; keeping the current ones',
        ),
    );
  return {
    observe(ts) {
      if (!venue.refreshContracts) return;
      const day = watch.observe(ts);
      if (day === null) return;
      chain = chain.then(() => refresh(ts, day));
    },
    settled: () => chain,
    changes,
  };
}
