import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { initialGuardState } from '../../src/domain/guards.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { AlertInbox } from '../../src/node/alert-inbox.ts';
import { createTradingNode, type NodeObserver } from '../../src/node/trading-node.ts';
import type { StoredAlert } from '../../src/ports/store.ts';
import type { SignalDecision } from '../../src/runtime/signal-processor.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';

// 2024-03-05 14:30 UTC = 08:30 Chicago: inside the session, before any flat-by time.
const T0 = Date.UTC(2024, 2, 5, 14, 30);
const MIN = 60_000;

const history = (until: number, minutes = 240) => valueAreaBars(until, minutes);

function node(settings: () => BotSettings, observers: NodeObserver[] = []) {
  const clock = new VirtualClock(T0 - MIN);
  const exchange = new SimulatedExchange(clock, { ackLatencyMs: 50 });
  return createTradingNode({
    clock,
    venue: { accountId: 'ACC', broker: exchange, contractId: (s) => `SIM.${s}` },
    settings,
    bars: { barsBefore: (_s, ts, minutes) => history(ts, minutes) },
    guardState: initialGuardState(DEFAULT_SETTINGS, T0),
    observers,
  });
}

const buy = (key: string) => ({ key, alertId: null, symbol: 'ES', action: 'buy' as const });

describe('createTradingNode', () => {
  it('reads the settings on every alert: a change takes effect on the next one', () => {
    let settings: BotSettings = { ...DEFAULT_SETTINGS, flatByTime: '', isActive: false };
    const n = node(() => settings);
    const paused = n.alert(buy('a1'), T0);
    expect(paused.status).toBe('FILTERED');
    expect(paused.reason).toMatch(/disabled|paused|not active/i);
    settings = { ...settings, isActive: true };
    const taken = n.alert(buy('a2'), T0 + 1_000);
    expect(taken.status).toBe('EXECUTING');
    expect(n.runtime.slots()).toHaveLength(1);
    n.stop();
  });

  it('hands outputs, signals and decisions to the observers in their order', () => {
    const seen: string[] = [];
    const observer = (name: string): NodeObserver => ({
      onOutput: (o) => {
        if (o.type === 'alert.outcome') seen.push(`${name}:outcome`);
      },
      onDecision: (d) => seen.push(`${name}:decision:${d.status}`),
    });
    let settings: BotSettings = { ...DEFAULT_SETTINGS, flatByTime: '', isActive: false };
    const n = node(() => settings, [observer('first'), observer('second')]);
    n.alert(buy('a1'), T0);
    settings = { ...settings, isActive: true };
    n.alert(buy('a2'), T0 + 1_000);
    expect(seen).toEqual([
      'first:decision:FILTERED',
      'second:decision:FILTERED',
      'first:outcome',
      'second:outcome',
    ]);
    n.stop();
  });
});

describe('AlertInbox', () => {
  const stored = (id: number, key: string): StoredAlert =>
    ({
      id,
      status: 'received',
      parsed: { key, symbol: 'ES', action: 'buy', dialect: 'json' },
    }) as unknown as StoredAlert;
  const decision = (alertKey: string, status: SignalDecision['status']): SignalDecision => ({
    accountId: 'A1',
    signalId: `s${alertKey}`,
    alertKey,
    symbol: 'ES',
    action: 'buy',
    status,
    reason: status,
    positionId: null,
    plan: null,
    ts: 0,
  });

  it('decides a stored alert once however often it is handed over, and marks its row by alert key', () => {
    const decided: string[] = [];
    const marked: [number, string | null][] = [];
    const inbox = new AlertInbox({
      decide: (a) => decided.push(a.key),
      markProcessed: (id, reason) => marked.push([id, reason]),
    });
    inbox.receive(stored(7, 'k-1'));
    inbox.receive(stored(7, 'k-1'));
    expect(decided).toEqual(['k-1']);
    inbox.decided(decision('k-1', 'EXECUTING'));
    inbox.decided(decision('k-1', 'EXECUTED'));
    inbox.decided(decision('k-1', 'EXECUTED'));
    inbox.decided(decision('other', 'FILTERED'));
    expect(marked).toEqual([
      [7, 'EXECUTING'],
      [7, 'EXECUTED'],
    ]);
  });

  it('ignores rows already processed or unparsed', () => {
    const decided: string[] = [];
    const inbox = new AlertInbox({ decide: (a) => decided.push(a.key), markProcessed: () => {} });
    inbox.receive({ ...stored(1, 'k'), status: 'processed' } as StoredAlert);
    inbox.receive({ ...stored(2, 'k'), parsed: null } as StoredAlert);
    expect(decided).toEqual([]);
  });
});
