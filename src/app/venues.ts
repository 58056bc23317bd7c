/**
 * The venue registry: one line per broker. Adding a broker is one folder with its factory
 * (src/adapters/<broker>/venue.ts) and one line here (docs/architecture.md shows it).
 */
import { createLocalVenue } from '../../sim/gateway/venue.ts';
import { createPaperVenue } from '../../sim/paper-venue.ts';
import type { Logger } from '../adapters/log/logger.ts';
import { createTopstepxVenue } from '../adapters/topstepx/venue.ts';
import { openQuantity } from '../domain/pnl.ts';
import type { Clock } from '../ports/index.ts';
import type { PositionRecord } from '../ports/store.ts';
import type { Venue, VenueFactory } from '../ports/venue.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import type { SignalProcessor } from '../runtime/signal-processor.ts';
import type { BotConfig } from './config.ts';

export const VENUES = {
  paper: createPaperVenue,
  local: createLocalVenue,
  topstepx: createTopstepxVenue,
} as const satisfies Record<string, VenueFactory>;

export type VenueKind = keyof typeof VENUES;

export const VENUE_KINDS = Object.keys(VENUES) as [VenueKind, ...VenueKind[]];

/** Open the configured venue. What the engine holds: the stored rows until it is built, then its live positions. */
export function openVenue(
  config: BotConfig,
  deps: {
    readonly clock: Clock;
    readonly logger: Logger;
    readonly storedPositions: () => readonly PositionRecord[];
    readonly engine: { readonly runtime: EngineRuntime | null; readonly processor?: SignalProcessor | null };
  },
): Promise<Venue> {
  const { logger } = deps;
  return VENUES[config.broker]({
    options: {
      symbols: config.symbols,
      accountId: config.accountId,
      dryRun: config.dryRun,
      protectiveStops: config.protectiveStops,
      demo: config.demo,
      gatewayUrl: config.gatewayUrl,
      unknownPositions: config.unknownPositions,
      reconcileIntervalMs: reconcileIntervalMs(config.accounts.length),
    },
    // A broker position the engine does not know becomes a ladder actor of its own (or is refused, then flattened).
    adoptPosition: (position) => deps.engine.processor?.adoptPosition(position, deps.clock.now()) ?? null,
    clock: deps.clock,
    logger: {
      debug: (o, m) => logger.debug(o, m),
      info: (o, m) => logger.info(o, m),
      warn: (o, m) => logger.warn(o, m),
      error: (o, m) => logger.error(o, m),
    },
    env: process.env,
    knownPositions: () => {
      const runtime = deps.engine.runtime;
      if (runtime)
        return runtime.positions().map((v) => ({
          positionId: v.positionId,
          contractId: v.context.contractId,
          side: v.context.side,
          quantity: openQuantity(v.context),
        }));
      return deps
        .storedPositions()
        .filter((p) => p.state !== 'pending_entry' && p.state !== 'closed' && p.state !== 'cancelled')
        .map((p) => ({
          positionId: p.id,
          contractId: p.contractId,
          side: p.side,
          quantity: p.filledQuantity,
        }));
    },
  });
}

/**
 * The desired-state pass costs two REST reads per account: every 5 s for up to four accounts, then
 * 5 s more per four (ProjectX allows 200 requests a minute; whether per token, user or address is
 * unconfirmed, so every account on one login is counted against one budget: docs/accounts.md).
 */
export function reconcileIntervalMs(accounts: number): number {
  return 5_000 * Math.max(1, Math.ceil(accounts / 4));
}
