/**
 * The real balance (docs/risk.md, "The balance"): live, the guard state starts from the broker's
 * account balance and follows it: every account update the venue pushes (TopstepX
 * GatewayUserAccount, a fresh read after each reconnect) and a read after every closed trade. The
 * broker's figure wins; a difference beyond settings.balanceTolerance is logged and shown on the
 * status screen and the dashboard. The broker's "cannot trade" refuses entries with that reason.
 * The paper venue has no account (null balance): the bot keeps its own figure.
 */
import type { Subscription } from 'rxjs';
import type { GuardState } from '../domain/guards.ts';
import { tradingDayId } from '../domain/session-time.ts';
import type { Clock } from '../ports/index.ts';
import type { Venue } from '../ports/venue.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import type { BalanceCheck, SignalProcessor } from '../runtime/signal-processor.ts';
import type { BotStatus } from './bot-status.ts';

export interface AccountWatchDeps {
  readonly venue: Pick<Venue, 'accountBalance' | 'account$'>;
  readonly processor: SignalProcessor;
  readonly runtime: EngineRuntime;
  readonly clock: Clock;
  readonly logger: {
    info(o: object, m?: string): void;
    warn(o: object, m?: string): void;
    debug(o: object, m?: string): void;
  };
  readonly status: BotStatus;
  /** The guard state came from the store (else it is fresh from the starting balance). */
  readonly restoredFromStore: boolean;
  /** How long after a closed trade the balance is read again, ms (default 250). */
  readonly settleMs?: number;
}

export interface AccountWatch {
  stop(): void;
}

export async function watchAccount(deps: AccountWatchDeps): Promise<AccountWatch> {
  const { venue, processor, runtime, clock, logger, status } = deps;
  const settleMs = deps.settleMs ?? 250;
  const subscriptions: Subscription[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let lastBooked = Number.NEGATIVE_INFINITY;
  let stopped = false;

  const report = (check: BalanceCheck, settled: boolean) => {
    status.balance = check;
    if (!check.mismatch) return;
    const fields = { broker: check.broker, bot: check.bot, difference: check.difference };
    // Right after a trade the broker may report before the bot booked it: only a settled read warns.
    if (settled || clock.now() - lastBooked > 2_000)
      logger.warn(fields, "the broker's balance differs from the bot's; the broker's figure wins");
    else logger.debug(fields, 'balance differs while a trade settles');
  };
  const sync = (balance: number, settled: boolean) => {
    if (stopped) return;
    report(processor.syncBalance(balance, clock.now()), settled);
  };
  const read = () => {
    venue
      .accountBalance()
      .then((balance) => {
        if (balance !== null) sync(balance, true);
      })
      .catch((error: unknown) => logger.warn({ error: String(error) }, 'account balance could not be read'));
  };

  // The start: seed from the broker when the state is fresh or from an earlier trading day.
  const first = await venue.accountBalance().catch((error: unknown) => {
    logger.warn(
      { error: String(error) },
      'account balance could not be read at start; using the stored figure',
    );
    return null;
  });
  if (first !== null) {
    const state: GuardState = processor.guardState();
    const sameDay = deps.restoredFromStore && state.tradingDay === tradingDayId(clock.now());
    const check = sameDay
      ? processor.syncBalance(first, clock.now())
      : processor.seedBalance(first, clock.now());
    logger.info(
      { balance: first, bot: check.bot, seeded: !sameDay },
      sameDay
        ? 'account balance read; the broker figure replaces the stored one'
        : 'guards start from the account balance',
    );
    report(check, true);
  }

  if (venue.account$) {
    subscriptions.push(
      venue.account$.subscribe((account) => {
        if (stopped) return;
        status.canTrade = account.canTrade;
        processor.setBrokerTradable(account.canTrade, clock.now());
        if (!account.canTrade)
          logger.warn({ balance: account.balance }, 'the broker reports the account cannot trade');
        sync(account.balance, false);
      }),
    );
  }
  // After every closed trade the bot books its own P&L: read the broker's again once it settles.
  if (first !== null) {
    subscriptions.push(
      runtime.outputs$.subscribe((output) => {
        if (output.type !== 'position.finished' || output.context.filledQty === 0) return;
        lastBooked = clock.now();
        const timer = setTimeout(() => {
          timers.delete(timer);
          read();
        }, settleMs);
        timers.add(timer);
      }),
    );
  }
  return {
    stop() {
      stopped = true;
      for (const s of subscriptions) s.unsubscribe();
      for (const t of timers) clearTimeout(t);
    },
  };
}
