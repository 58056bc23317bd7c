/**
 * Campaign f — soak: a simulated month on the virtual clock through the shared runtime (the signal
 * processor, the engine runtime and the simulated exchange of sim/), with a seeded random-walk
 * market and ≥ 10,000 alerts. Measures: decisions per alert (must be exactly one each) and the heap
 * after GC sampled over the run (least-squares slope after a warm-up).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VirtualClock } from '../../sim/clock.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { initialGuardState, startingBalanceOf } from '../../src/domain/guards.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import type { AlertAction } from '../../src/domain/types.ts';
import { BarBook } from '../../src/runtime/bar-book.ts';
import { createEngineRuntime } from '../../src/runtime/engine-runtime.ts';
import { SignalProcessor } from '../../src/runtime/signal-processor.ts';
import { type CampaignOptions, type CampaignResult, round, seededRandom } from './types.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
/** A leak of this many bytes per alert or more fails the campaign. */
export const SOAK_LEAK_BYTES_PER_ALERT = 100;

/** `global.gc` without the command-line flag (tsx starts node for us). */
export function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface SoakParameters {
  readonly days: number;
  readonly alerts: number;
  readonly tickMs: number;
  readonly samples: number;
}

export function soakParameters(fast: boolean): SoakParameters {
  return fast
    ? { days: 3, alerts: 1_500, tickMs: 10_000, samples: 12 }
    : { days: 30, alerts: 12_000, tickMs: 5_000, samples: 40 };
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] ?? 0) - mx) * ((ys[i] ?? 0) - my);
    den += ((xs[i] ?? 0) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function runSoak(options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const p = soakParameters(options.fast);
  const gc = forceGc();
  const random = seededRandom(options.seed);
  // Guards that latch for good (daily loss, drawdown) would stop trading after a bad day: off, so the
  // whole month trades; the flat-by time stays on (daily flatten paths are part of the soak).
  const settings: BotSettings = {
    ...DEFAULT_SETTINGS,
    cooldownMs: 60_000,
    dailyLossLimit: 0,
    trailingDrawdown: 0,
    entryTimeoutMs: 20 * MIN,
  };
  // Monday 2024-03-04 00:00 UTC.
  const t0 = Date.UTC(2024, 2, 4);
  const clock = new VirtualClock(t0 - 4 * 60 * MIN);
  const exchange = new SimulatedExchange(clock, { ackLatencyMs: 50 });
  const runtime = createEngineRuntime({ clock, broker: exchange });
  const bars = new BarBook(300);
  // Decisions per alert number in a preallocated array: a Map of keys would itself grow the heap.
  const decisionsByAlert = new Uint8Array(p.alerts);
  let foreignDecisions = 0;
  let decisions = 0;
  const statuses = new Map<string, number>();
  const processor = new SignalProcessor({
    runtime,
    accountId: 'SOAK',
    settings: () => settings,
    bars: (symbol, ts, minutes) => bars.barsBefore(symbol, ts, minutes),
    contractId: (symbol) => `SIM.${symbol}`,
    guardState: initialGuardState({ startingBalance: startingBalanceOf(settings) }, t0),
    onDecision: (d) => {
      decisions++;
      const n = Number(d.alertKey.slice(5));
      if (d.alertKey.startsWith('soak-') && Number.isInteger(n) && n < p.alerts)
        decisionsByAlert[n] = Math.min(255, (decisionsByAlert[n] ?? 0) + 1);
      else foreignDecisions++;
      statuses.set(d.status, (statuses.get(d.status) ?? 0) + 1);
    },
  });

  // The simulated exchange keeps every order and fill for its reports, by design: that is the
  // simulator's record, not the bot's memory, so the soak drops finished ones before each sample.
  const simOrders = (exchange as unknown as { orders: Map<string, { state: string }> }).orders;
  let prunedOrders = 0;
  const pruneSimulatorHistory = () => {
    exchange.fills.length = 0;
    for (const [tag, order] of simOrders)
      if (order.state === 'done') {
        simOrders.delete(tag);
        prunedOrders++;
      }
  };
  let ticks = 0;
  let price = 5000;
  // Mean-reverting walk around 5000 so value areas exist and ladders are walked both ways.
  const step = (ts: number) => {
    const drift = (5000 - price) * 0.002;
    price = Math.round((price + drift + (random() - 0.5) * 2) * 4) / 4;
    clock.advanceTo(ts);
    exchange.onPrice('ES', price, ts, 1 + Math.floor(random() * 5));
    bars.onTick('ES', price, ts, 1);
    runtime.tick('ES', price, ts);
    processor.onClock(ts);
    ticks++;
  };
  // Four hours of history before the month starts.
  for (let ts = t0 - 4 * 60 * MIN; ts < t0; ts += p.tickMs) step(ts);

  const end = t0 + p.days * DAY;
  const alertEvery = (end - t0) / p.alerts;
  const actions: AlertAction[] = ['buy', 'sell', 'buy', 'sell', 'close', 'cancel'];
  const sampleEvery = Math.max(1, Math.floor(p.alerts / p.samples));
  const heapSamples: { alerts: number; heap: number }[] = [];
  let sent = 0;
  let nextAlert = t0 + alertEvery / 2;
  for (let ts = t0; ts < end; ts += p.tickMs) {
    step(ts);
    while (nextAlert <= ts && sent < p.alerts) {
      const action = actions[Math.floor(random() * actions.length)] ?? 'buy';
      processor.process(
        { key: `soak-${sent}`, alertId: sent, symbol: 'ES', action, firedAt: Math.floor(nextAlert) },
        ts,
      );
      sent++;
      nextAlert += alertEvery;
      if (sent % sampleEvery === 0) {
        pruneSimulatorHistory();
        gc();
        heapSamples.push({ alerts: sent, heap: process.memoryUsage().heapUsed });
      }
    }
  }
  // Let the last entries expire and every pending signal settle.
  for (let ts = end; ts < end + 2 * settings.entryTimeoutMs; ts += p.tickMs) step(ts);
  pruneSimulatorHistory();
  gc();
  heapSamples.push({ alerts: sent, heap: process.memoryUsage().heapUsed });

  const missing = decisionsByAlert.subarray(0, sent).filter((n) => n === 0).length;
  const doubled = decisionsByAlert.filter((n) => n > 1).length + foreignDecisions;
  const warm = heapSamples.slice(Math.floor(heapSamples.length / 4));
  const bytesPerAlert = slope(
    warm.map((s) => s.alerts),
    warm.map((s) => s.heap),
  );
  const first = heapSamples[0]?.heap ?? 0;
  const last = heapSamples.at(-1)?.heap ?? 0;
  const mb = (b: number) => round(b / 1_048_576, 2);
  options.log?.(`soak: ${sent} alerts, ${decisions} decisions, slope ${round(bytesPerAlert, 2)} B/alert`);
  return {
    id: 'soak',
    title: 'Soak: a simulated month on the virtual clock',
    parameters: {
      'simulated days': p.days,
      alerts: p.alerts,
      'price step (virtual)': `${p.tickMs / 1000} s`,
      'heap samples (after GC)': heapSamples.length,
      seed: options.seed,
    },
    figures: {
      'alerts sent': sent,
      'price ticks': ticks,
      decisions,
      'decisions by status': [...statuses.entries()].map(([s, n]) => `${s} ${n}`).join(', '),
      'alerts without a decision': missing,
      'alerts with more than one decision': doubled,
      'heap after GC, first sample': `${mb(first)} MB`,
      'heap after GC, last sample': `${mb(last)} MB`,
      'heap slope after warm-up (least squares)': `${round(bytesPerAlert, 2)} bytes/alert (${mb(bytesPerAlert * 1000)} MB per 1,000 alerts)`,
      'finished simulator orders dropped before sampling': prunedOrders,
      'open slots at the end': runtime.slots().length,
      'signals still pending at the end': processor.pending().length,
    },
    criteria: [
      { name: 'every alert ends with a decision', pass: missing === 0, measured: `${missing} without` },
      { name: 'no alert gets two decisions', pass: doubled === 0, measured: `${doubled} doubled` },
      {
        name: `heap flat: slope < ${SOAK_LEAK_BYTES_PER_ALERT} bytes per alert after warm-up`,
        pass: bytesPerAlert < SOAK_LEAK_BYTES_PER_ALERT,
        measured: `${round(bytesPerAlert, 2)} bytes/alert`,
      },
      {
        name: 'the runtime drains: no signal left pending',
        pass: processor.pending().length === 0,
        measured: `${processor.pending().length} pending`,
      },
    ],
    notes: [
      "A heap-snapshot diff found the leak this campaign used to report (121 bytes/alert): XState memoises transition candidates per state node and event type, and a finished position used to send the engine an `xstate.done.actor.position:<id>` event with a new type each time. The position machine's closed and cancelled states are no longer `type: 'final'` (the engine stops the child on its closing update), so no such event exists.",
    ],
    durationMs: Date.now() - started,
  };
}
