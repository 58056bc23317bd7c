/**
 * The local ProjectX gateway as a venue: the real TopstepX client (REST + SignalR) against the
 * gateway in sim/gateway, started in this process unless --gateway-url names a running one.
 */
import { connectProjectXVenue } from '../../src/adapters/topstepx/venue.ts';
import type { Venue, VenueContext } from '../../src/ports/venue.ts';
import { demoCenter, demoHistory } from '../demo-market.ts';
import { startFeed } from './feed.ts';
import { type LocalGateway, startLocalGateway } from './index.ts';

export async function createLocalVenue(context: VenueContext): Promise<Venue> {
  const { options, env } = context;
  let gateway: LocalGateway | undefined;
  let baseUrl = options.gatewayUrl;
  if (!baseUrl) {
    gateway = await startLocalGateway({ port: 0 });
    baseUrl = gateway.baseUrl;
  }
  context.logger.info(
    { gateway: baseUrl, inProcess: gateway !== undefined },
    'using the local ProjectX gateway',
  );
  const started = gateway;
  // Without the demo driving prices, an in-process gateway moves its own market: a seeded random
  // walk of prints, so working orders fill and trades end both ways (a running gateway has its own).
  const stopFeed =
    started && !options.demo ? startFeed(started, [...options.symbols], 250, 1, null) : undefined;
  if (stopFeed)
    context.logger.info(
      { symbols: options.symbols },
      'local gateway market: a seeded random walk, a print every 250 ms',
    );
  return connectProjectXVenue(
    context,
    {
      userName: env.PROJECTX_USERNAME ?? 'demo',
      apiKey: env.PROJECTX_API_KEY ?? 'demo-key',
      apiUrl: baseUrl,
      userHubUrl: `${baseUrl}/hubs/user`,
      marketHubUrl: `${baseUrl}/hubs/market`,
      accountId: options.accountId ? Number(options.accountId) : undefined,
    },
    {
      kind: 'local',
      ...(started
        ? {
            pushPrice: (contractId: string, price: number) => started.pushPrice(contractId, price),
            lastPrice: (contractId: string) => started.lastPrice(contractId),
            close: async () => {
              stopFeed?.();
              await started.close();
            },
          }
        : {}),
      fallbackHistory: demoHistory,
      demoCenter,
    },
  );
}
