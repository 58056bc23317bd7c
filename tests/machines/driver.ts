/**
 * A scripted broker for machine tests: it turns a list of operations (price moves, fills, acks,
 * alerts…) into events for a position, answering the position's commands the way an exchange
 * would. The same script can drive a standalone position actor or the whole engine runtime, which
 * is what the equivalence properties compare.
 */
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { type AnyActorRef, createActor } from 'xstate';
import { positionMachine } from '../../machines/position/machine.ts';
import type { PositionContext, PositionEvent, PositionOutputEvent } from '../../machines/position/types.ts';
import type { BrokerEvent, EngineCommand } from '../../src/domain/events.ts';
import { fromTicks } from '../../src/domain/ticks.ts';
import type { ExitReason } from '../../src/domain/types.ts';
import { createEngineRuntime, type EngineRuntime } from '../../src/runtime/engine-runtime.ts';
import { ES_GRID, longPlan, request, shortPlan } from './fixtures.ts';

export type Op =
  | { readonly t: 'tick'; readonly d: number }
  | { readonly t: 'accept' }
  | { readonly t: 'fill'; readonly leg: number; readonly qty: number }
  | { readonly t: 'closeFill' }
  | { readonly t: 'rejectClose' }
  | { readonly t: 'stopFill' }
  | { readonly t: 'cancelAck' }
  | { readonly t: 'exit'; readonly reason: ExitReason }
  | { readonly t: 'cancel' }
  | { readonly t: 'clock'; readonly dt: number }
  | { readonly t: 'replace'; readonly shift: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: -6, max: 6 }).map((d): Op => ({ t: 'tick', d })) },
  { weight: 3, arbitrary: fc.constant<Op>({ t: 'accept' }) },
  {
    weight: 4,
    arbitrary: fc
      .record({ leg: fc.integer({ min: 0, max: 3 }), qty: fc.integer({ min: 1, max: 3 }) })
      .map((r): Op => ({ t: 'fill', ...r })),
  },
  { weight: 3, arbitrary: fc.constant<Op>({ t: 'closeFill' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'rejectClose' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'stopFill' }) },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'cancelAck' }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<ExitReason>('opposing_alert', 'close_alert', 'session_flatten', 'guard_flatten')
      .map((reason): Op => ({ t: 'exit', reason })),
  },
  { weight: 1, arbitrary: fc.constant<Op>({ t: 'cancel' }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((dt): Op => ({ t: 'clock', dt })) },
  { weight: 1, arbitrary: fc.integer({ min: -2, max: 2 }).map((shift): Op => ({ t: 'replace', shift })) },
);

export const scenarioArb = fc.record({
  side: fc.constantFrom<'long' | 'short'>('long', 'short'),
  quantity: fc.integer({ min: 1, max: 4 }),
  closeAtTp3: fc.boolean(),
  ops: fc.array(opArb, { minLength: 1, maxLength: 60 }),
});
export type Scenario = { side: 'long' | 'short'; quantity: number; closeAtTp3: boolean; ops: Op[] };

/** Where the script sends events. */
export interface Target {
  deliverTick(price: number, ts: number): void;
  deliver(event: PositionEvent): void;
  context(): PositionContext | undefined;
  state(): string | undefined;
}

/** Exchange-side bookkeeping of the scripted broker. */
export class ScriptedBroker {
  readonly commands: EngineCommand[] = [];
  private readonly legs = new Map<
    string,
    { price: number; quantity: number; filled: number; accepted: boolean; dead: boolean }
  >();
  private readonly closes: { tag: string; quantity: number }[] = [];
  private stop: { tag: string; price: number; quantity: number } | undefined;
  private cancelRequests: string[] = [];
  private orderSeq = 0;
  ticks = 100 * 4;
  ts = 0;

  record(command: EngineCommand): void {
    this.commands.push(command);
    switch (command.type) {
      case 'placeEntry':
        for (const leg of command.legs) {
          this.legs.set(leg.tag, {
            price: leg.price,
            quantity: leg.quantity,
            filled: 0,
            accepted: false,
            dead: false,
          });
        }
        break;
      case 'cancelEntry':
        this.cancelRequests.push(...command.tags);
        break;
      case 'closePosition':
        this.closes.push({ tag: command.tag, quantity: command.quantity });
        // Flattening cancels the protective stop (the Broker port's contract).
        this.stop = undefined;
        break;
      case 'moveStop':
        this.stop =
          command.quantity > 0
            ? { tag: command.tag, price: command.stopPrice, quantity: command.quantity }
            : undefined;
        break;
    }
  }

  /** Events for one operation, or none when the operation does not apply now. */
  eventsFor(op: Op, open: number): PositionEvent[] {
    const price = fromTicks(this.ticks, ES_GRID);
    switch (op.t) {
      case 'tick':
        return [];
      case 'accept': {
        const out: PositionEvent[] = [];
        for (const [tag, leg] of this.legs) {
          if (leg.accepted || leg.dead) continue;
          leg.accepted = true;
          out.push({ type: 'order.accepted', ts: this.ts, tag, orderId: `o${++this.orderSeq}` });
        }
        return out;
      }
      case 'fill': {
        const live = [...this.legs.entries()].filter(([, l]) => !l.dead && l.filled < l.quantity);
        const entry = live[op.leg % Math.max(1, live.length)];
        if (!entry) return [];
        const [tag, leg] = entry;
        const quantity = Math.min(op.qty, leg.quantity - leg.filled);
        leg.filled += quantity;
        if (leg.filled >= leg.quantity) leg.dead = true;
        return [
          {
            type: 'order.filled',
            ts: this.ts,
            tag,
            orderId: `f-${tag}`,
            price: leg.price,
            quantity,
            side: 'buy',
            fees: 0.5 * quantity,
          },
        ];
      }
      case 'closeFill': {
        const close = this.closes.shift();
        if (!close || open <= 0) return [];
        return [
          {
            type: 'order.filled',
            ts: this.ts,
            tag: close.tag,
            orderId: `c-${close.tag}`,
            price,
            quantity: Math.min(close.quantity, open),
            side: 'sell',
            fees: 0.5 * Math.min(close.quantity, open),
          },
        ];
      }
      case 'rejectClose': {
        const close = this.closes.shift();
        return close
          ? [{ type: 'order.rejected', ts: this.ts, tag: close.tag, reason: 'test reject', retryable: false }]
          : [];
      }
      case 'stopFill': {
        const stop = this.stop;
        if (!stop || open <= 0) return [];
        this.stop = undefined;
        return [
          {
            type: 'order.filled',
            ts: this.ts,
            tag: stop.tag,
            orderId: `s-${stop.tag}`,
            price: stop.price,
            quantity: Math.min(stop.quantity, open),
            side: 'sell',
            fees: 0,
          },
        ];
      }
      case 'cancelAck': {
        const tags = this.cancelRequests;
        this.cancelRequests = [];
        const out: PositionEvent[] = [];
        for (const tag of tags) {
          const leg = this.legs.get(tag);
          if (!leg || leg.dead) continue;
          leg.dead = true;
          out.push({ type: 'order.cancelled', ts: this.ts, tag, orderId: `o-${tag}` });
        }
        return out;
      }
      case 'exit':
        return [{ type: 'exit', ts: this.ts, reason: op.reason }];
      case 'cancel':
        return [{ type: 'cancel', ts: this.ts, reason: 'cancel alert' }];
      case 'clock':
        return [{ type: 'clock', ts: this.ts }];
      case 'replace':
        return [];
    }
  }
}

export function planFor(s: Pick<Scenario, 'side' | 'quantity'>, shiftTicks = 0) {
  const base = s.side === 'long' ? longPlan(s.quantity) : shortPlan(s.quantity);
  if (shiftTicks === 0) return base;
  const move = (p: number) => fromTicks(Math.round(p / ES_GRID.tickSize) + shiftTicks, ES_GRID);
  return {
    ...base,
    entryPrice: move(base.entryPrice),
    stopPrice: move(base.stopPrice),
    tp1: move(base.tp1),
    tp2: move(base.tp2),
    tp3: move(base.tp3),
    legs: base.legs.map((l) => ({ ...l, price: move(l.price) })),
  };
}

/** Runs a scenario against a target; `onStep` sees the target after every operation. */
export function runScenario<T extends Target>(
  scenario: Scenario,
  makeTarget: (broker: ScriptedBroker) => T,
  onStep?: (target: T, index: number) => void,
): { broker: ScriptedBroker; target: T } {
  const broker = new ScriptedBroker();
  broker.ticks = scenario.side === 'long' ? 101 * 4 : 102 * 4;
  const target = makeTarget(broker);
  scenario.ops.forEach((op, index) => {
    broker.ts += 1_000;
    if (op.t === 'clock') broker.ts += op.dt;
    if (op.t === 'tick') {
      broker.ticks += op.d;
      target.deliverTick(fromTicks(broker.ticks, ES_GRID), broker.ts);
    } else if (op.t === 'replace') {
      const plan = planFor(scenario, op.shift);
      target.deliver({
        type: 'replace',
        ts: broker.ts,
        signalId: `s${broker.ts}`,
        plan,
        expiresAt: broker.ts + 10_000,
      });
    } else {
      const ctx = target.context();
      const open = ctx ? ctx.filledQty - ctx.exitedQty : 0;
      for (const event of broker.eventsFor(op, open)) target.deliver(event);
    }
    onStep?.(target, index);
  });
  return { broker, target };
}

export function scenarioRequest(s: Scenario) {
  return request(planFor(s), { closeAtTp3: s.closeAtTp3 });
}

/** A standalone position actor that sees every tick. */
export function positionTarget(s: Scenario, snapshot?: unknown) {
  return (broker: ScriptedBroker): Target & { actor: AnyActorRef } => {
    const actor = createActor(positionMachine, {
      input: scenarioRequest(s),
      ...(snapshot ? { snapshot: snapshot as never } : {}),
    });
    actor.on('position.output', (e: PositionOutputEvent) => {
      if (e.message.type !== 'update') broker.record(e.message);
    });
    actor.start();
    return {
      actor,
      deliverTick: (price, ts) => actor.send({ type: 'tick', ts, price }),
      deliver: (event) => actor.send(event),
      context: () => actor.getSnapshot().context,
      state: () => topState(actor.getSnapshot().value),
    };
  };
}

/** The engine runtime with band routing; position events go through the engine's routing too. */
export function runtimeTarget(s: Scenario, snapshot?: unknown) {
  return (
    broker: ScriptedBroker,
  ): Target & { runtime: EngineRuntime; brokerEvents: Subject<BrokerEvent> } => {
    const brokerEvents = new Subject<BrokerEvent>();
    const runtime = createEngineRuntime({
      clock: {
        now: () => broker.ts,
        setTimeout: () => 0,
        clearTimeout: () => {},
        scheduler: undefined as never,
      },
      broker: { events$: brokerEvents, execute: (c) => broker.record(c) },
      ...(snapshot ? { snapshot } : {}),
    });
    const req = scenarioRequest(s);
    if (!snapshot) runtime.open(req, 0);
    let last: { context: PositionContext; state: string } | undefined;
    runtime.outputs$.subscribe((o) => {
      if (o.type === 'position.finished') last = { context: o.context, state: o.state };
    });
    const view = () => runtime.positions()[0];
    return {
      runtime,
      brokerEvents,
      deliverTick: (price, ts) => runtime.tick('ES', price, ts),
      deliver: (event) => {
        if (event.type.startsWith('order.')) brokerEvents.next(event as BrokerEvent);
        else if (event.type === 'exit') runtime.flatten(event.reason, event.ts);
        else if (event.type === 'cancel') runtime.cancel(req.accountId, 'ES', 'sx', event.ts);
        else if (event.type === 'clock') runtime.clockTick(event.ts);
        else if (event.type === 'replace') {
          // The engine spawns a new position when none is left; a finished standalone actor ignores it.
          if (runtime.slots().length > 0) {
            runtime.open(
              {
                ...req,
                positionId: `p${event.signalId}`,
                signalId: event.signalId,
                plan: event.plan,
                expiresAt: event.expiresAt,
              },
              event.ts,
            );
          }
        } else
          runtime.send({
            type: 'tick',
            ts: event.ts,
            symbol: 'ES',
            price: (event as { price: number }).price,
          });
      },
      context: () => view()?.context ?? last?.context,
      state: () => view()?.state ?? last?.state,
    };
  };
}

const ORDER = ['pending_entry', 'active', 'tp1', 'tp2', 'tp3', 'exiting', 'closed', 'cancelled'] as const;

export function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  return Object.keys(value as object)[0] ?? 'unknown';
}

/** Rank for "the state never goes back" (closed and cancelled are both terminal). */
export function stateRank(state: string): number {
  const i = ORDER.indexOf(state as (typeof ORDER)[number]);
  return state === 'cancelled' ? 6 : i;
}
