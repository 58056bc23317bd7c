/**
 * The local ProjectX gateway as a venue: the real TopstepX client (REST + SignalR) against the
 * gateway in sim/gateway, started in this process unless --gateway-url names a running one.
 */
import { connectProjectXVenue } from '../../src/adapters/topstepx/venue.ts';
import type { Venue, VenueContext } from '../../src/ports/venue.ts';
import { demoCenter, demoHistory } from '../demo-market.ts';
import { startFeed } from './feed.ts';
import { DEFAULT_ACCOUNT, type LocalGateway, startLocalGateway } from './index.ts';

/** Gateways this process started for several accounts, by URL: their lanes share its price hooks. */
const shared = new Map<string, LocalGateway>();

/**
 * One in-process gateway holding every configured account (an accounts list on --broker local):
 * each account's venue connects to it as its own client, as each would to TopstepX. Without the demo
 * it moves its own market (the seeded random walk below).
 */
export async function startSharedLocalGateway(options: {
  readonly accounts: readonly { readonly id: string; readonly name: string; readonly balance: number }[];
  readonly symbols: readonly string[];
  readonly demo: boolean;
}): Promise<{ readonly url: string; close(): Promise<void> }> {
  const accounts = options.accounts.map((a) => {
    const id = Number(a.id);
    if (!Number.isSafeInteger(id) || id <= 0)
      throw new Error(
        `accounts: "${a.id}" is not a number; the local gateway's accounts are numbered like TopstepX's, e.g. "id": "1001"`,
      );
    return { ...DEFAULT_ACCOUNT, id, name: a.name, balance: a.balance };
  });
  const gateway = await startLocalGateway({ port: 0, accounts });
  shared.set(gateway.baseUrl, gateway);
  const stopFeed = options.demo ? undefined : startFeed(gateway, [...options.symbols], 250, 1, null);
  return {
    url: gateway.baseUrl,
    async close() {
      stopFeed?.();
      shared.delete(gateway.baseUrl);
      await gateway.close();
    },
  };
}

export async function createLocalVenue(context: VenueContext): Promise<Venue> {
  const { options, env } = context;
  let gateway: LocalGateway | undefined;
  let baseUrl = options.gatewayUrl;
  const sharedGateway = baseUrl ? shared.get(baseUrl) : undefined;
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
      ...(sharedGateway
        ? {
            // Its owner closes it (startSharedLocalGateway), after every account disconnected.
            pushPrice: (contractId: string, price: number) => sharedGateway.pushPrice(contractId, price),
            lastPrice: (contractId: string) => sharedGateway.lastPrice(contractId),
          }
        : {}),
      fallbackHistory: demoHistory,
      demoCenter,
    },
  );
}
