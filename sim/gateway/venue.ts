/**
 * The local ProjectX gateway as a venue: the real TopstepX client (REST + SignalR) against the
 * gateway in sim/gateway, started in this process unless --gateway-url names a running one.
 */
import { connectProjectXVenue } from '../../src/adapters/topstepx/venue.ts';
import type { Venue, VenueContext } from '../../src/ports/venue.ts';
import { demoCenter, demoHistory } from '../demo-market.ts';
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
            close: () => started.close(),
          }
        : {}),
      fallbackHistory: demoHistory,
      demoCenter,
    },
  );
}
