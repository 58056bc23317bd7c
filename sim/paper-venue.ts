/**
 * The paper venue: the simulated exchange (sim/exchange.ts) on wall time, fed by the bot's price
 * feed. No real account: its balance is unknown (null).
 *
 * With TopstepX credentials in the environment and no demo, the market is TopstepX's own
 * (freqtrade's dry-run): contracts, history bars and live prints come from a data-only ProjectX
 * connection while every order stays on the simulated exchange. Nothing is ever sent to the broker
 * (the connection is opened in dry-run mode, and its order port is not used at all).
 */
import { createTopstepxVenue } from '../src/adapters/topstepx/venue.ts';
import type { Venue, VenueContext } from '../src/ports/venue.ts';
import { demoCenter } from './demo-market.ts';
import { SimulatedExchange } from './exchange.ts';

/** True when the environment holds TopstepX credentials (both the user name and the API key). */
export const hasProjectXCredentials = (env: Readonly<Record<string, string | undefined>>): boolean =>
  Boolean(env.PROJECTX_USERNAME?.trim() && env.PROJECTX_API_KEY?.trim());

/**
 * Live prints are continuous: between two prints of a session every price in between traded, so a
 * resting limit fills at its limit and a stop at its stop less slippage (a sweep, as in
 * docs/backtest-fills.md), never at a better print beyond them. Only after a pause longer than this
 * (a session break, a feed outage) is the next print a gap that fills at its own price.
 */
export const PAPER_GAP_MS = 5 * 60_000;

export async function createPaperVenue(context: VenueContext): Promise<Venue> {
  // The simulated exchange schedules its acknowledgements on the clock it is given: wall time here.
  const exchange = new SimulatedExchange(context.clock as never, { ackLatencyMs: 50 });
  const lastPrintAt = new Map<string, number>();
  const market =
    !context.options.demo && hasProjectXCredentials(context.env)
      ? await createTopstepxVenue({
          ...context,
          options: { ...context.options, dryRun: true, protectiveStops: 'local' },
          // The paper positions are not at the broker: the data connection must not look for them.
          knownPositions: () => [],
        })
      : null;
  if (market)
    context.logger.info(
      { account: market.accountId },
      'paper trading on TopstepX market data: bars and prints from TopstepX, fills simulated, no order is sent',
    );
  return {
    kind: 'paper',
    accountId: context.options.accountId ?? 'PAPER',
    broker: exchange,
    onPrice: (symbol, price, ts, size) => {
      const previous = lastPrintAt.get(symbol);
      lastPrintAt.set(symbol, ts);
      exchange.onPrice(symbol, price, ts, size, previous !== undefined && ts - previous <= PAPER_GAP_MS);
    },
    ...(market?.ticks$ ? { ticks$: market.ticks$ } : {}),
    ...(market?.health$ ? { health$: market.health$ } : {}),
    contractId: (symbol) => (market ? market.contractId(symbol) : `PAPER.${symbol}`),
    ...(market?.refreshContracts ? { refreshContracts: (now: number) => market.refreshContracts!(now) } : {}),
    demoCenter,
    history: (symbol, now) => (market ? market.history(symbol, now) : Promise.resolve([])),
    accountBalance: async () => null,
    async afterRestore(engine) {
      // A fresh paper exchange knows nothing of the restored positions: put their working entry
      // legs and protective stops back on its book under the same tags.
      for (const view of engine.positions())
        for (const command of engine.rearm(view, true)) exchange.execute(command);
    },
    async stop() {
      await market?.stop();
    },
  };
}
