/** Signal filters: one decision with a code and a human reason, close alerts always through. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFilters, type FilterInput } from '../../src/domain/filters.ts';
import { DEFAULT_SETTINGS } from '../../src/domain/settings.ts';

const T = Date.parse('2025-06-10T15:00:00Z');

function input(
  over: Partial<FilterInput> = {},
  settings: Partial<FilterInput['settings']> = {},
): FilterInput {
  return {
    symbol: 'ES',
    action: 'buy',
    ts: T,
    settings: { ...DEFAULT_SETTINGS, ...settings },
    marketType: 'futures',
    openPositions: 0,
    health: { marketData: 'green', userHub: 'green' },
    confirmationScore: 70,
    contracts: 1,
    ...over,
  };
}

describe('filters', () => {
  it('passes a healthy entry', () => {
    expect(evaluateFilters(input())).toEqual({ pass: true });
  });

  it.each([
    [
      'bot_disabled',
      input({}, { isActive: false }),
      'FILTERED: bot disabled — the bot is paused; enable it in the settings to trade',
    ],
    [
      'market_type',
      input({ marketType: 'crypto' }),
      'FILTERED: market type — ES is a crypto instrument and the bot trades futures',
    ],
    ['blacklist', input({}, { blacklist: ['ES'] }), 'FILTERED: blacklist — ES is on the blacklist'],
    [
      'watchlist',
      input({}, { watchlist: ['NQ', 'MNQ'] }),
      'FILTERED: watchlist — ES is not on the watchlist (NQ, MNQ)',
    ],
    [
      'exchange_health',
      input({ health: { marketData: 'red', userHub: 'green', reason: 'no ticks for 45s' } }),
      'FILTERED: exchange health — market data is stale (no ticks for 45s)',
    ],
    [
      'exchange_health',
      input({ health: { marketData: 'green', userHub: 'red' } }),
      'FILTERED: exchange health — the user hub is down',
    ],
    ['max_concurrent', input({ openPositions: 3 }), 'FILTERED: max concurrent — 3 trades open, maximum 3'],
    [
      'cooldown',
      input({ lastEntryAt: T - 130_000 }),
      'FILTERED: cooldown — last ES entry 2m10s ago, cooldown 5m',
    ],
    [
      'confirmation',
      input({ confirmationScore: 40 }, { confirmationThreshold: 60 }),
      'FILTERED: confirmation — score 40 below threshold 60',
    ],
    [
      'confirmation',
      input({ confirmationScore: null }, { confirmationThreshold: 60 }),
      'FILTERED: confirmation — no confirmation score, threshold 60',
    ],
    ['max_contracts', input({ contracts: 6 }), 'FILTERED: max contracts — 6 contracts requested, maximum 5'],
  ])('%s: refuses with a human reason', (code, given, reason) => {
    expect(evaluateFilters(given)).toEqual({ pass: false, code, reason });
  });

  it('amber health, an expired cooldown, a met threshold and an unknown health pass', () => {
    expect(evaluateFilters(input({ health: { marketData: 'amber', userHub: 'amber' } })).pass).toBe(true);
    expect(evaluateFilters(input({ lastEntryAt: T - 300_000 })).pass).toBe(true);
    expect(evaluateFilters(input({ confirmationScore: 60 }, { confirmationThreshold: 60 })).pass).toBe(true);
    expect(evaluateFilters(input({ health: undefined })).pass).toBe(true);
  });

  it('add (scale in) does not count as a new trade, but meets every other filter', () => {
    expect(evaluateFilters(input({ action: 'add', openPositions: 3 })).pass).toBe(true);
    expect(evaluateFilters(input({ action: 'add', lastEntryAt: T - 1_000 })).pass).toBe(false);
  });

  const anyInput = fc.record({
    isActive: fc.boolean(),
    blacklisted: fc.boolean(),
    openPositions: fc.nat(10),
    sinceLastEntry: fc.option(fc.nat(600_000)),
    red: fc.boolean(),
    score: fc.option(fc.integer({ min: 0, max: 100 })),
    threshold: fc.integer({ min: 0, max: 100 }),
    contracts: fc.integer({ min: 1, max: 20 }),
  });

  type Generated = typeof anyInput extends fc.Arbitrary<infer V> ? V : never;

  function build(v: Generated, action: FilterInput['action']) {
    return input(
      {
        action,
        openPositions: v.openPositions,
        lastEntryAt: v.sinceLastEntry === null ? undefined : T - v.sinceLastEntry,
        health: { marketData: v.red ? 'red' : 'green', userHub: 'green' },
        confirmationScore: v.score,
        contracts: v.contracts,
      },
      { isActive: v.isActive, blacklist: v.blacklisted ? ['ES'] : [], confirmationThreshold: v.threshold },
    );
  }

  it('close and cancel alerts always pass, whatever the state (closing only reduces risk)', () => {
    fc.assert(
      fc.property(anyInput, fc.constantFrom('close' as const, 'cancel' as const), (v, action) => {
        expect(evaluateFilters(build(v, action))).toEqual({ pass: true });
      }),
      { numRuns: 1_000 },
    );
  });

  it('every refusal says FILTERED, names its code and gives a reason after a dash', () => {
    fc.assert(
      fc.property(anyInput, (v) => {
        const r = evaluateFilters(build(v, 'buy'));
        if (!r.pass) expect(r.reason).toMatch(new RegExp(`^FILTERED: ${r.code.replace('_', ' ')} — .+`));
      }),
      { numRuns: 1_000 },
    );
  });

  it('relaxing a setting never turns a pass into a refusal', () => {
    fc.assert(
      fc.property(anyInput, (v) => {
        const strict = evaluateFilters(build(v, 'buy'));
        const relaxed = evaluateFilters(
          build({ ...v, threshold: 0, blacklisted: false, isActive: true }, 'buy'),
        );
        if (strict.pass) expect(relaxed.pass).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });
});
