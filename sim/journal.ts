/**
 * Event journal: every input the engine runtime received during a backtest (prices, opens, closes,
 * flattens, broker replies), in order, as plain JSON values. Replaying a journal into a fresh runtime
 * with no exchange behind it must give the same decisions and commands: the engine is a function of
 * its inputs. (Live, the same journal shape can be written from the runtime's inputs for audits.)
 */
import { Subject } from 'rxjs';
import type { BrokerEvent, EngineCommand, OpenPositionRequest } from '../src/domain/events.ts';
import type { ExitReason } from '../src/domain/types.ts';
import type { Broker } from '../src/ports/index.ts';
import { createEngineRuntime, type RuntimeOutput } from '../src/runtime/engine-runtime.ts';
import { VirtualClock } from './clock.ts';

export type JournalEntry =
  | { readonly kind: 'price'; readonly ts: number; readonly symbol: string; readonly price: number }
  | { readonly kind: 'open'; readonly ts: number; readonly request: OpenPositionRequest }
  | {
      readonly kind: 'close';
      readonly ts: number;
      readonly accountId: string;
      readonly symbol: string;
      readonly signalId: string;
      readonly reason: ExitReason;
    }
  | {
      readonly kind: 'cancel';
      readonly ts: number;
      readonly accountId: string;
      readonly symbol: string;
      readonly signalId: string;
    }
  | { readonly kind: 'clock'; readonly ts: number }
  | {
      readonly kind: 'flatten';
      readonly ts: number;
      readonly reason: ExitReason;
      readonly accountId?: string;
      readonly symbol?: string;
    }
  | { readonly kind: 'broker'; readonly ts: number; readonly event: BrokerEvent };

/** What the engine decided: its commands and its alert and position outcomes, in order. */
export type EngineDecision =
  | { readonly kind: 'command'; readonly command: EngineCommand }
  | { readonly kind: 'outcome'; readonly signalId: string; readonly outcome: string; readonly reason: string }
  | { readonly kind: 'finished'; readonly positionId: string; readonly state: string };

export function decisionOf(output: RuntimeOutput): EngineDecision | null {
  if (output.type === 'command') return { kind: 'command', command: output.command };
  if (output.type === 'alert.outcome') {
    return { kind: 'outcome', signalId: output.signalId, outcome: output.outcome, reason: output.reason };
  }
  if (output.type === 'position.finished')
    return { kind: 'finished', positionId: output.positionId, state: output.state };
  return null;
}

/** Feed a journal into a fresh runtime (virtual clock, a broker that only listens) and collect its decisions. */
export function replayJournal(entries: readonly JournalEntry[], startTs: number): EngineDecision[] {
  const clock = new VirtualClock(startTs);
  const events$ = new Subject<BrokerEvent>();
  const broker: Broker = { execute: () => {}, events$ };
  const runtime = createEngineRuntime({ clock, broker });
  const decisions: EngineDecision[] = [];
  runtime.outputs$.subscribe((output) => {
    const decision = decisionOf(output);
    if (decision) decisions.push(decision);
  });
  for (const entry of entries) {
    if (entry.ts > clock.now()) clock.advanceTo(entry.ts);
    switch (entry.kind) {
      case 'price':
        runtime.tick(entry.symbol, entry.price, entry.ts);
        break;
      case 'open':
        runtime.open(entry.request, entry.ts);
        break;
      case 'close':
        runtime.close(entry.accountId, entry.symbol, entry.signalId, entry.ts, entry.reason);
        break;
      case 'cancel':
        runtime.cancel(entry.accountId, entry.symbol, entry.signalId, entry.ts);
        break;
      case 'clock':
        runtime.clockTick(entry.ts);
        break;
      case 'flatten': {
        const { accountId, symbol } = entry;
        runtime.flatten(entry.reason, entry.ts, {
          ...(accountId === undefined ? {} : { accountId }),
          ...(symbol === undefined ? {} : { symbol }),
        });
        break;
      }
      case 'broker':
        events$.next(entry.event);
        break;
    }
  }
  runtime.stop();
  return decisions;
}
