/**
 * Accounts as configuration (src/app/accounts.ts) and what each account's node does with one alert:
 * its own settings, ids and tags, a disabled account's reason, and the alert row marked once every
 * account decided.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../sim/clock.ts';
import { SimulatedExchange } from '../../sim/exchange.ts';
import { accountSettings, defaultTag, parseAccounts } from '../../src/app/accounts.ts';
import { parseCommandLine } from '../../src/app/config.ts';
import { initialGuardState } from '../../src/domain/guards.ts';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { entryTag, isValidTag, stopTag } from '../../src/domain/tags.ts';
import { AlertInbox } from '../../src/node/alert-inbox.ts';
import { createTradingNode } from '../../src/node/trading-node.ts';
import type { StoredAlert } from '../../src/ports/store.ts';
import { idFromKey, type SignalDecision } from '../../src/runtime/signal-processor.ts';
import { valueAreaBars } from '../fixtures/value-area-bars.ts';

const T0 = Date.UTC(2024, 2, 5, 14, 30);
const MIN = 60_000;
const BASE: BotSettings = { ...DEFAULT_SETTINGS, flatByTime: '', cooldownMs: 0 };

describe('parseAccounts', () => {
  it('reads a list: defaults, its own settings checked by the settings schema, a tag from the id', () => {
    const { accounts, problems } = parseAccounts(
      [
        { id: '12345678', name: 'Combine A', settings: { accountRules: 'combine-50k', riskPerTrade: 300 } },
        { id: 87654321, enabled: false, symbols: ['nq'], sizeMultiplier: 0.5 },
      ],
      'accounts',
    );
    expect(problems).toEqual([]);
    expect(accounts).toEqual([
      {
        id: '12345678',
        name: 'Combine A',
        enabled: true,
        symbols: null,
        sizeMultiplier: 1,
        settings: { accountRules: 'combine-50k', riskPerTrade: 300 },
        tag: '345678',
      },
      {
        id: '87654321',
        name: '87654321',
        enabled: false,
        symbols: ['NQ'],
        sizeMultiplier: 0.5,
        settings: {},
        tag: '654321',
      },
    ]);
  });

  it('names the entry and the field of every problem, with the fix', () => {
    const { problems } = parseAccounts(
      [
        { id: 'A 1' },
        { id: '2', settings: { riskPerTrade: -5 } },
        { id: '3', sizeMultiplier: 0, colour: 'red' },
        { id: '4', symbols: ['XYZ'] },
      ],
      'accounts',
    );
    expect(problems.join('\n')).toMatch(/accounts\[0\]\.id: .*give the broker account id/);
    expect(problems.join('\n')).toMatch(/accounts\[1\]\.settings\.riskPerTrade/);
    expect(problems.join('\n')).toMatch(/accounts\[2\]: unknown field "colour"/);
    expect(problems.join('\n')).toMatch(/accounts\[3\]\.symbols: XYZ is not a supported instrument/);
    expect(parseAccounts([], 'VALUEAREA_ACCOUNTS').problems[0]).toMatch(
      /^VALUEAREA_ACCOUNTS: expected a non-empty list/,
    );
  });

  it('refuses an account listed twice and two accounts whose tags clash, naming the fix', () => {
    const { problems } = parseAccounts([{ id: '1001' }, { id: '1001' }, { id: 'X-99001001' }], 'accounts');
    expect(problems).toContain('accounts: account 1001 is listed twice; list it once');
    expect(
      problems.some((p) => /share the tag "001001"|share the tag "1001"/.test(p) || /own "tag"/.test(p)),
    ).toBe(true);
    expect(defaultTag('PRAC-V2-1234567')).toBe('234567');
  });

  it('comes from --config or VALUEAREA_ACCOUNTS; --account-id beside a list is refused', () => {
    const parsed = parseCommandLine([], { VALUEAREA_ACCOUNTS: '[{"id":"1001"},{"id":"1002","name":"B"}]' });
    expect(parsed.config.accounts.map((a) => a.id)).toEqual(['1001', '1002']);
    // The first account names the database folder, as with one account.
    expect(parsed.config.accountId).toBe('1001');
    expect(() => parseCommandLine(['--account-id', '7'], { VALUEAREA_ACCOUNTS: '[{"id":"1001"}]' })).toThrow(
      /--account-id: the VALUEAREA_ACCOUNTS list already names the accounts/,
    );
    expect(() =>
      parseCommandLine([], { VALUEAREA_ACCOUNTS: '[{"id":"1001","settings":{"riskPerTrade":"x"}}]' }),
    ).toThrow(/VALUEAREA_ACCOUNTS\[0\]\.settings\.riskPerTrade/);
  });
});

describe('accountSettings', () => {
  it("lays the account's settings over the shared ones; symbols become its watchlist; the multiplier scales risk and the cap", () => {
    const [account] = parseAccounts(
      [{ id: '1', symbols: ['ES'], sizeMultiplier: 2, settings: { dailyLossLimit: 400 } }],
      'accounts',
    ).accounts;
    const s = accountSettings({ ...BASE, riskPerTrade: 250, maxContracts: 3 }, account!);
    expect(s).toMatchObject({ watchlist: ['ES'], riskPerTrade: 500, maxContracts: 6, dailyLossLimit: 400 });
    const [half] = parseAccounts([{ id: '2', sizeMultiplier: 0.25 }], 'accounts').accounts;
    expect(accountSettings({ ...BASE, maxContracts: 3 }, half!).maxContracts).toBe(1);
  });
});

describe('ids per account', () => {
  it('scoped ids end in the tag and keep every order tag within 40 characters', () => {
    const key = `k_${'x'.repeat(24)}`;
    const id = idFromKey('p', key, '654321');
    expect(id.endsWith('_654321')).toBe(true);
    expect(id.length).toBeLessThanOrEqual(34);
    expect(isValidTag(entryTag(id, 9))).toBe(true);
    expect(isValidTag(stopTag(id, 999))).toBe(true);
    expect(idFromKey('p', 'k_a')).toBe('pk_a');
  });

  const laneNode = (
    accountId: string,
    settings: BotSettings,
    extra: { idScope?: string; disabled?: string },
  ) => {
    const clock = new VirtualClock(T0 - MIN);
    const exchange = new SimulatedExchange(clock, { ackLatencyMs: 50 });
    return createTradingNode({
      clock,
      venue: { accountId, broker: exchange, contractId: (s) => `SIM.${s}` },
      settings: () => settings,
      bars: { barsBefore: (_s, ts, minutes) => valueAreaBars(ts, minutes) },
      guardState: initialGuardState(settings, T0),
      observers: [],
      ...(extra.idScope ? { idScope: extra.idScope } : {}),
      ...(extra.disabled ? { accountDisabled: () => extra.disabled } : {}),
    });
  };

  it('one alert, three accounts: three positions with their own ids and sizes; a disabled account says so', () => {
    const alert = { key: 'k_one', alertId: null, symbol: 'ES', action: 'buy' as const };
    const [a, b, c] = parseAccounts(
      [{ id: '1001' }, { id: '1002', sizeMultiplier: 2 }, { id: '1003', enabled: false }],
      'accounts',
    ).accounts;
    const shared = { ...BASE, riskPerTrade: 200 };
    const decisions = [a!, b!, c!].map((acc) =>
      laneNode(acc.id, accountSettings(shared, acc), {
        idScope: acc.tag,
        ...(acc.enabled ? {} : { disabled: `Combine C (${acc.id})` }),
      }).alert(alert, T0),
    );
    expect(decisions.map((d) => d.status)).toEqual(['EXECUTING', 'EXECUTING', 'FILTERED']);
    expect(decisions.map((d) => d.accountId)).toEqual(['1001', '1002', '1003']);
    expect(decisions.map((d) => d.signalId)).toEqual(['sk_one_1001', 'sk_one_1002', 'sk_one_1003']);
    expect(decisions[0]?.positionId).toBe('pk_one_1001');
    expect(decisions[1]?.plan?.quantity).toBeGreaterThan(decisions[0]?.plan?.quantity ?? 0);
    expect(decisions[2]?.reason).toBe(
      'FILTERED: account disabled — account Combine C (1003) is disabled in the accounts configuration; set "enabled": true to trade it',
    );
  });
});

describe('AlertInbox with several accounts', () => {
  const stored = (id: number, key: string): StoredAlert =>
    ({
      id,
      status: 'received',
      parsed: { key, symbol: 'ES', action: 'buy', dialect: 'json' },
    }) as unknown as StoredAlert;
  const decision = (accountId: string, status: SignalDecision['status'], reason: string): SignalDecision => ({
    accountId,
    signalId: `s_${accountId}`,
    alertKey: 'k1',
    symbol: 'ES',
    action: 'buy',
    status,
    reason,
    positionId: null,
    plan: null,
    ts: T0,
  });

  it('marks the row once every account decided, with each account’s reason, until every decision is final', () => {
    const marked: [number, string | null][] = [];
    let inbox!: AlertInbox;
    const outcomes: SignalDecision[][] = [
      [decision('A', 'EXECUTED', 'EXECUTED: opened'), decision('B', 'FILTERED', 'GUARD: daily loss')],
    ];
    inbox = new AlertInbox({
      accounts: [
        { accountId: 'A', label: 'Combine A (A)' },
        { accountId: 'B', label: 'Combine B (B)' },
      ],
      decide: () => {
        for (const d of outcomes[0]!) {
          // Nothing is marked after the first account alone.
          if (d.accountId === 'A') {
            inbox.decided(d);
            expect(marked).toEqual([]);
          } else inbox.decided(d);
        }
      },
      markProcessed: (id, reason) => marked.push([id, reason]),
    });
    inbox.receive(stored(7, 'k1'));
    expect(marked).toEqual([[7, 'Combine A (A): EXECUTED: opened; Combine B (B): GUARD: daily loss']]);
    // Final for both: a later decision of the same alert marks nothing more.
    inbox.decided(decision('A', 'EXECUTED', 'again'));
    expect(marked).toHaveLength(1);
  });
});

describe('adopting a broker position into a ladder of its own', () => {
  const adoptingNode = () => {
    const clock = new VirtualClock(T0 - MIN);
    const exchange = new SimulatedExchange(clock, { ackLatencyMs: 50 });
    const sent: string[] = [];
    const broker = {
      events$: exchange.events$,
      execute: (command: Parameters<typeof exchange.execute>[0]) => {
        sent.push(`${command.type} ${command.positionId}`);
        exchange.execute(command);
      },
    };
    const n = createTradingNode({
      clock,
      venue: { accountId: '1001', broker, contractId: (s) => `SIM.${s}` },
      settings: () => BASE,
      bars: { barsBefore: (_s, ts, minutes) => valueAreaBars(ts, minutes) },
      guardState: initialGuardState(BASE, T0),
      observers: [],
      idScope: '1001',
    });
    return { n, sent };
  };

  it('an unknown long becomes an active position: filled at the broker’s average, no entry order, its stop placed', async () => {
    const { n, sent } = adoptingNode();
    const adopted = n.processor.adoptPosition(
      {
        brokerPositionId: '77',
        symbol: 'ES',
        contractId: 'SIM.ES',
        side: 'long',
        quantity: 2,
        averagePrice: 5004.3,
      },
      T0,
    );
    expect(adopted).toEqual({ ok: true, positionId: 'a77_1001' });
    await new Promise((r) => setTimeout(r, 0));
    const view = n.runtime.positions().find((p) => p.positionId === 'a77_1001');
    expect(view?.state).toBe('active');
    expect(view?.context.filledQty).toBe(2);
    expect(view?.context.plan.entryPrice).toBe(5004.25);
    expect(view?.signalId).toBe('');
    expect(sent.filter((c) => c.endsWith('a77_1001'))).toEqual(['moveStop a77_1001']);
  });

  it('is refused with the reason when the profile’s stop is already through the position', () => {
    const { n } = adoptingNode();
    const refused = n.processor.adoptPosition(
      {
        brokerPositionId: '78',
        symbol: 'ES',
        contractId: 'SIM.ES',
        side: 'long',
        quantity: 1,
        averagePrice: 4990,
      },
      T0,
    );
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(
      /^the profile's stop [\d.]+ is already through the position \(average 4990/,
    );
    expect(n.runtime.positions()).toHaveLength(0);
  });
});
