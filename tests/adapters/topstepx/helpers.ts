/** Shared setup: a local gateway on a random port and a client with short, test-sized timeouts. */
import {
  type LocalGateway,
  type LocalGatewayOptions,
  startLocalGateway,
} from '../../../sim/gateway/index.ts';
import { ProjectXHttp, type ProjectXHttpOptions } from '../../../src/adapters/topstepx/http.ts';
import { ProjectXHubs, type ProjectXHubsOptions } from '../../../src/adapters/topstepx/hubs.ts';
import { ProjectXRest } from '../../../src/adapters/topstepx/rest.ts';

export const ACCOUNT = 1001;

export async function gateway(options: LocalGatewayOptions = {}): Promise<LocalGateway> {
  return startLocalGateway({ pingIntervalMs: 200, ambiguousHoldMs: 2_000, ...options });
}

export function client(gw: LocalGateway, options: Partial<ProjectXHttpOptions> = {}): ProjectXRest {
  return new ProjectXRest(
    new ProjectXHttp({
      baseUrl: gw.baseUrl,
      credentials: { userName: 'demo', apiKey: 'demo-key' },
      requestTimeoutMs: 400,
      readRetry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 },
      ...options,
    }),
  );
}

export function hubsFor(
  gw: LocalGateway,
  rest: ProjectXRest,
  options: Partial<ProjectXHubsOptions> = {},
): ProjectXHubs {
  return new ProjectXHubs({
    http: rest.http,
    userHubUrl: gw.userHubUrl,
    marketHubUrl: gw.marketHubUrl,
    accountId: ACCOUNT,
    grids: (id) => rest.gridOf(id),
    reconnectInitialMs: 20,
    reconnectMaxMs: 200,
    serverTimeoutMs: 2_000,
    keepAliveMs: 500,
    watchdogIntervalMs: 20,
    ...options,
  });
}

/** Wait until `check` is truthy (polling); throws with `what` after `timeoutMs`. Not a timing assertion. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
