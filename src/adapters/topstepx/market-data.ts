/**
 * The `MarketData` port on the market hub: every trade print of a subscribed contract becomes a
 * PriceTick under our root symbol (ES, NQ…), naming its contract; health comes from the hub watchdogs.
 * `symbolOf` may know several contracts of one root at once (the front month and, after a roll, the
 * month open positions still hold: docs/rollover.md).
 */
import { filter, map, type Observable } from 'rxjs';
import type { PriceTick } from '../../domain/types.ts';
import type { ExchangeHealth, MarketData } from '../../ports/index.ts';
import type { MarketTrade } from './parse.ts';

export function marketDataFromHubs(
  hubs: { readonly trades$: Observable<MarketTrade>; readonly health$: Observable<ExchangeHealth> },
  symbolOf: (contractId: string) => string | undefined,
): MarketData {
  return {
    ticks$: hubs.trades$.pipe(
      map((trade): PriceTick | null => {
        const symbol = symbolOf(trade.contractId);
        return symbol
          ? { ts: trade.ts, symbol, price: trade.price, size: trade.size, contractId: trade.contractId }
          : null;
      }),
      filter((tick): tick is PriceTick => tick !== null),
    ),
    health$: hubs.health$,
  };
}
