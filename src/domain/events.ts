/**
 * Messages that cross the machine boundary. Commands leave the machines and are carried out by the
 * runtime; broker events come back in. All are immutable values with exchange/virtual time `ts`.
 *
 * Order tags (ProjectX `customTag`, ASCII [A-Za-z0-9_-], at most 40 chars) are derived from the
 * position id and the leg: `${positionId}-${leg}` where leg is e0, e1… (entry legs), s<n> (the n-th
 * protective stop order), x<n> (the n-th close order). Helpers live in tags.ts.
 */
import type { EntryPlan, ExitReason, Instrument, OrderSide, PriceBand } from './types.ts';

export interface EntryOrderLeg {
  readonly tag: string;
  readonly price: number;
  readonly quantity: number;
}

export interface CommandBase {
  readonly positionId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly contractId: string;
  readonly ts: number;
}

/** Place the limit entry legs of a position. */
export interface PlaceEntryCommand extends CommandBase {
  readonly type: 'placeEntry';
  /** The signal whose plan these legs carry (a replacement brings a new signal). */
  readonly signalId: string;
  readonly side: OrderSide;
  readonly legs: readonly EntryOrderLeg[];
  /** The plan's stop: a broker may ride it on the entry order as a stop-loss bracket. */
  readonly stopPrice: number;
}

/** Cancel the still-working entry legs (by tag). */
export interface CancelEntryCommand extends CommandBase {
  readonly type: 'cancelEntry';
  readonly tags: readonly string[];
}

/** Close `quantity` contracts at market. `side` is the order side (sell closes a long). */
export interface ClosePositionCommand extends CommandBase {
  readonly type: 'closePosition';
  readonly side: OrderSide;
  readonly quantity: number;
  readonly tag: string;
  readonly reason: ExitReason;
  /**
   * The level whose touch sent this exit when it is a favourable one (TP3 with closeAtTp3). A
   * simulated fill never books better than it when the price swept through it on the way.
   */
  readonly triggerPrice?: number;
}

/**
 * Keep the broker-side protective stop equal to the ladder's stop for the open size.
 * quantity 0 means: no protective stop any more (cancel it). The runtime decides whether a
 * broker-side stop order exists at all (setting); the machine always says what it should be.
 */
export interface MoveStopCommand extends CommandBase {
  readonly type: 'moveStop';
  readonly side: OrderSide;
  readonly stopPrice: number;
  readonly quantity: number;
  readonly tag: string;
}

export type EngineCommand = PlaceEntryCommand | CancelEntryCommand | ClosePositionCommand | MoveStopCommand;

/** Broker replies, fed back into the engine. Live adapters and the simulated exchange emit the same shapes. */
export type BrokerEvent =
  | { readonly type: 'order.accepted'; readonly ts: number; readonly tag: string; readonly orderId: string }
  | {
      readonly type: 'order.rejected';
      readonly ts: number;
      readonly tag: string;
      readonly reason: string;
      /** True when the outcome may be retried with the same tag (it never reached the book). */
      readonly retryable: boolean;
    }
  | {
      readonly type: 'order.filled';
      readonly ts: number;
      readonly tag: string;
      readonly orderId: string;
      readonly price: number;
      /** Contracts filled by this fill (partial fills send several events). */
      readonly quantity: number;
      readonly side: OrderSide;
      /** Commissions and fees charged for this fill, dollars. */
      readonly fees: number;
    }
  | { readonly type: 'order.cancelled'; readonly ts: number; readonly tag: string; readonly orderId: string }
  | {
      /**
       * The broker closed a position by itself, with orders that are not ours (TopstepX auto-liquidation
       * at the deadline, a Maximum Loss Limit or daily loss liquidation, a manual close in the platform).
       * `fills` are the broker's fills on the closing side; empty when none could be found.
       */
      readonly type: 'position.flattened';
      readonly ts: number;
      readonly positionId: string;
      readonly quantity: number;
      readonly fills: readonly { readonly price: number; readonly quantity: number }[];
      readonly fees: number;
      readonly reason: string;
    };

/** Everything the engine needs to open a position for an accepted alert. */
export interface OpenPositionRequest {
  readonly positionId: string;
  readonly signalId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly contractId: string;
  readonly instrument: Pick<Instrument, 'tickSize' | 'tickValue' | 'decimals'>;
  readonly plan: EntryPlan;
  /** When the unfilled entry is cancelled (epoch ms). */
  readonly expiresAt: number;
  /** Close the whole position when TP3 trades instead of trailing the stop to TP2. */
  readonly closeAtTp3: boolean;
}

export type { PriceBand };
