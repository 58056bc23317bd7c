/**
 * The paper venue: the simulated exchange (sim/exchange.ts) on wall time, fed by the bot's price
 * feed (the demo market or any other). No real account: its balance is unknown (null).
 */
import type { Venue, VenueContext } from '../src/ports/venue.ts';
import { demoCenter } from './demo-market.ts';
import { SimulatedExchange } from './exchange.ts';

export async function createPaperVenue(context: VenueContext): Promise<Venue> {
  // The simulated exchange schedules its acknowledgements on the clock it is given: wall time here.
  const exchange = new SimulatedExchange(context.clock as never, { ackLatencyMs: 50 });
  return {
    kind: 'paper',
    accountId: context.options.accountId ?? 'PAPER',
    broker: exchange,
    onPrice: (symbol, price, ts, size) => exchange.onPrice(symbol, price, ts, size),
    contractId: (symbol) => `PAPER.${symbol}`,
    demoCenter,
    history: async () => [],
    accountBalance: async () => null,
    async afterRestore(engine) {
      // A fresh paper exchange knows nothing of the restored positions: put their working entry
      // legs and protective stops back on its book under the same tags.
      for (const view of engine.positions())
        for (const command of engine.rearm(view, true)) exchange.execute(command);
    },
    async stop() {},
  };
}
