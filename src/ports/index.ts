/**
 * Ports: the small interfaces the engine needs from the outside world. They fit the engine, not a
 * vendor SDK. Adapters (src/adapters, sim/) implement them; the runtime (src/runtime) consumes them.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import type { BrokerEvent, EngineCommand } from '../domain/events.ts';
import type { PriceTick } from '../domain/types.ts';

/**
 * One time source per run. Live: wall time and setTimeout. Sim: the virtual clock.
 * `setTimeout`/`clearTimeout` match XState's `clock` option, `scheduler` drives RxJS time operators.
 */
export interface Clock {
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  readonly scheduler: SchedulerLike;
}

/**
 * Where engine commands go: the simulated exchange, the paper broker, or TopstepX.
 * `execute` never throws for business outcomes: acknowledgements, rejections, fills and
 * cancellations arrive on `events$`, tagged with the command's order tag.
 * An adapter resolves an ambiguous placement itself (look the tag up before any retry) and reports
 * the resolved outcome; it never places the same tag twice.
 */
export interface Broker {
  execute(command: EngineCommand): void;
  readonly events$: Observable<BrokerEvent>;
}

export type HealthLevel = 'green' | 'amber' | 'red';

export interface ExchangeHealth {
  readonly marketData: HealthLevel;
  readonly userHub: HealthLevel;
  readonly reason?: string;
}

/** Prices for the symbols the engine trades. */
export interface MarketData {
  readonly ticks$: Observable<PriceTick>;
  readonly health$?: Observable<ExchangeHealth>;
}

/** LLM trade notes: fire-and-forget, bounded; never delays trading. */
export interface TradeNotes {
  request(positionId: string, prompt: string): void;
}
