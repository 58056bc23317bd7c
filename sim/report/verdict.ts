/**
 * The Combine verdict: would this run have passed the account's evaluation, failed it, or not yet?
 * Pure (no I/O, no wall clock, no Math.random): the same trades, bars and seed give the same verdict.
 *
 * - Fail: equity (balance + open P&L) at or below the Maximum Loss Limit floor at any moment. The
 *   floor trails the end-of-day balance high and locks at the starting balance (lossLimitFloor).
 * - Pass: an end-of-day balance at or above start + profit target with the consistency rule met
 *   (best day strictly under the target share of the total profit); met later if it was not at first.
 * - Open P&L intraday: each trade is marked at its worst price while open, taken from the bars
 *   between its entry and exit (see worstPoint), so no hot-path change is needed.
 * - Monte Carlo: a seeded bootstrap of the run's trading days, each day keeping its own worst point.
 */
import { type AccountRules, lossLimitFloor } from '../../src/domain/account-rules.ts';
import { money, percent } from '../../src/domain/format.ts';
import type { TradeLike } from '../../src/domain/metrics.ts';
import { tradingDayId } from '../../src/domain/session-time.ts';
import type { ExitReason } from '../../src/domain/types.ts';
import type { BarSeries } from '../csv.ts';
import { lowerBound } from '../csv.ts';
import { escapeHtml } from './escape.ts';

export type VerdictOutcome = 'pass' | 'fail' | 'not yet';

/** What the verdict reads of a trade (the metrics' TradeLike; BacktestTrade has all of it). */
export type VerdictTrade = Pick<
  TradeLike,
  | 'side'
  | 'quantity'
  | 'entryPrice'
  | 'exitPrice'
  | 'entryTime'
  | 'exitTime'
  | 'netPnl'
  | 'commissions'
  | 'pointValue'
  | 'exitReason'
>;

export interface VerdictInput {
  readonly trades: readonly VerdictTrade[];
  readonly rules: AccountRules;
  /** The tested span: every trading day in it counts, traded or not. */
  readonly firstTs: number;
  readonly endTs: number;
  /** Bar length of the bars given, so a bar that closed before an entry is not counted (default: counted). */
  readonly barMs?: number;
}

export interface MonteCarloOptions {
  /** Default 10,000. */
  readonly runs?: number;
  /** Default 1. */
  readonly seed?: number;
  /** A run that has neither passed nor failed after this many days × the sample's days is 'neither' (default 3). */
  readonly maxDaysFactor?: number;
}

/** One trading day of the run: its closing P&L and its worst moment relative to its start. */
export interface TradingDayRecord {
  readonly day: string;
  readonly startBalance: number;
  readonly netPnl: number;
  /** Lowest equity − start balance during the day (open P&L included), ≤ 0. */
  readonly worstOffset: number;
}

export interface MonteCarloResult {
  readonly runs: number;
  readonly seed: number;
  readonly sampleDays: number;
  readonly maxDays: number;
  readonly passed: number;
  readonly failed: number;
  readonly neither: number;
  /** passed ÷ runs; null with no runs. */
  readonly passProbability: number | null;
  /** 95% Wilson score interval of passProbability. */
  readonly passInterval95: { readonly low: number; readonly high: number } | null;
  readonly failShare: number | null;
  readonly neitherShare: number | null;
  /** Median days to pass over the passing runs; null when none passed. */
  readonly medianDaysToPass: number | null;
}

export interface CombineVerdict {
  readonly rules: string;
  readonly verdict: VerdictOutcome;
  /** Trading day of the pass or fail; for 'not yet', the day the target was first reached, if it was. */
  readonly day: string | null;
  readonly reason: string;
  readonly startingBalance: number;
  readonly targetBalance: number | null;
  readonly endingBalance: number;
  /** Trading days from the first one to the pass day, both counted; null without a pass. */
  readonly daysToTarget: number | null;
  readonly tradingDays: number;
  /** The floor at the end of the run; null without a loss limit. */
  readonly floorAtEnd: number | null;
  /** Minimum of equity − floor over the run (intraday, open P&L included); null without a loss limit. */
  readonly worstDistance: { readonly amount: number; readonly ts: number; readonly day: string } | null;
  readonly consistency: {
    readonly bestDay: string | null;
    readonly bestDayPnl: number | null;
    readonly totalProfit: number;
    /** Best day ÷ total profit over the run; null without a profit. */
    readonly share: number | null;
    readonly targetPercent: number | null;
    readonly met: boolean | null;
  };
  /** How open P&L was marked: at bar extremes while each trade was open, or at trade closes only. */
  readonly markToMarket: 'bar extremes' | 'trade closes only';
  readonly days: readonly TradingDayRecord[];
  readonly monteCarlo: MonteCarloResult;
}

/** Exits whose bar may have reached its adverse extreme before them (adverse-first intrabar path). */
const TARGET_EXITS: ReadonlySet<ExitReason> = new Set(['target_tp3']);
const WILSON_Z = 1.959963984540054;
const cents = (v: number) => Math.round(v * 100) / 100;
const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * A trade's worst moment while open: (time, net P&L there, all commissions counted). Bars from the
 * entry bar to the one before the exit bar count their adverse extreme (the low for a long); the exit
 * bar counts its extreme only for a target exit, which the adverse-first path reaches after it. A stop
 * fills as price reaches it and a market exit (alert, flatten) at the point after its trigger, so what
 * that bar does beyond the exit came later. The exit itself is always a sample. Conservative in the
 * entry bar (its whole range counts), as the default intrabar path is.
 */
export function worstPoint(
  trade: VerdictTrade,
  bars?: BarSeries,
  barMs = Number.POSITIVE_INFINITY,
): { ts: number; netPnl: number } {
  const direction = trade.side === 'long' ? 1 : -1;
  const pnlAt = (price: number) =>
    (price - trade.entryPrice) * direction * trade.quantity * trade.pointValue - trade.commissions;
  let worst = { ts: trade.exitTime, netPnl: trade.netPnl };
  if (bars === undefined || bars.length === 0) return worst;
  const entryBar = lowerBound(bars.ts, bars.length, trade.entryTime + 1) - 1;
  const exitBar = lowerBound(bars.ts, bars.length, trade.exitTime + 1) - 1;
  const last = TARGET_EXITS.has(trade.exitReason) ? exitBar : exitBar - 1;
  for (let i = Math.max(0, entryBar); i <= last; i++) {
    if (bars.ts[i]! + barMs <= trade.entryTime) continue;
    const pnl = cents(pnlAt(direction > 0 ? bars.low[i]! : bars.high[i]!));
    if (pnl < worst.netPnl) worst = { ts: Math.max(bars.ts[i]!, trade.entryTime), netPnl: pnl };
  }
  return worst;
}

interface EquitySample {
  readonly ts: number;
  /** Realised P&L booked at this sample (a close), or 0. */
  readonly booked: number;
  /** Open P&L at this sample, on top of the balance after `booked`. */
  readonly open: number;
}

/** Every trading day id from firstTs to endTs (and of every trade), in order. */
function spanDays(input: VerdictInput): string[] {
  const days = new Set<string>();
  const to = Math.max(input.firstTs, input.endTs - 1);
  for (let ts = input.firstTs; ts <= to; ts += 3_600_000) days.add(tradingDayId(ts));
  days.add(tradingDayId(to));
  for (const t of input.trades) days.add(tradingDayId(t.exitTime));
  return [...days].sort();
}

/** Best day strictly under the target share of the profit (Topstep: "under"); null without a target. */
function consistencyMet(rules: AccountRules, bestDayPnl: number, totalProfit: number): boolean | null {
  if (rules.consistencyPercent === null) return null;
  return totalProfit > 0 && bestDayPnl * 100 < rules.consistencyPercent * totalProfit;
}

export function combineVerdict(
  input: VerdictInput,
  bars?: BarSeries,
  options: MonteCarloOptions = {},
): CombineVerdict {
  const { rules } = input;
  const start = rules.startingBalance;
  const target = rules.profitTarget === null ? null : start + rules.profitTarget;
  // Samples: each trade's worst moment (other trades open then count at their own worst, ≤ 0, which
  // is pessimistic but only matters when positions overlap) and each close.
  const worsts = input.trades.map((t) => worstPoint(t, bars, input.barMs));
  const samples: EquitySample[] = [];
  input.trades.forEach((t, i) => {
    let open = worsts[i]!.netPnl;
    const ts = worsts[i]!.ts;
    input.trades.forEach((other, j) => {
      if (j !== i && other.entryTime <= ts && ts < other.exitTime) open += Math.min(0, worsts[j]!.netPnl);
    });
    samples.push({ ts, booked: 0, open });
    samples.push({ ts: t.exitTime, booked: t.netPnl, open: 0 });
  });
  samples.sort((a, b) => a.ts - b.ts || Number(a.booked !== 0) - Number(b.booked !== 0));

  const dayIds = spanDays(input);
  const byDay = new Map<string, EquitySample[]>(dayIds.map((d) => [d, []]));
  for (const s of samples) byDay.get(tradingDayId(s.ts))?.push(s);

  let balance = start;
  let high = start;
  let floor = lossLimitFloor(rules, high);
  let worstDistance: CombineVerdict['worstDistance'] =
    floor === null ? null : { amount: cents(start - floor), ts: input.firstTs, day: dayIds[0]! };
  let verdict: VerdictOutcome = 'not yet';
  let day: string | null = null;
  let reason =
    target === null
      ? `${rules.label} has no profit target: the run can only fail or not yet`
      : `the balance never closed a day at the target ${money(target)}`;
  let daysToTarget: number | null = null;
  let bestDay: string | null = null;
  let bestDayPnl: number | null = null;
  const days: TradingDayRecord[] = [];
  dayIds.forEach((id, index) => {
    const dayStart = balance;
    let worstOffset = 0;
    for (const s of byDay.get(id)!) {
      balance = cents(balance + s.booked);
      const equity = cents(balance + s.open);
      worstOffset = Math.min(worstOffset, cents(equity - dayStart));
      if (floor === null) continue;
      if (worstDistance === null || equity - floor < worstDistance.amount)
        worstDistance = { amount: cents(equity - floor), ts: s.ts, day: id };
      if (verdict !== 'fail' && verdict !== 'pass' && equity <= floor) {
        verdict = 'fail';
        day = id;
        reason = `equity ${money(equity)} (open P&L included) at or below the loss limit ${money(floor)} at ${isoMinute(s.ts)} UTC`;
      }
    }
    const netPnl = cents(balance - dayStart);
    days.push({ day: id, startBalance: dayStart, netPnl, worstOffset });
    if (bestDayPnl === null || netPnl > bestDayPnl) {
      bestDayPnl = netPnl;
      bestDay = id;
    }
    if (verdict === 'not yet' && target !== null && balance >= target) {
      const met = consistencyMet(rules, bestDayPnl, balance - start);
      if (met === false) {
        day ??= id;
        const share = (bestDayPnl / (balance - start)) * 100;
        reason = `target reached on ${day}, but the best day ${bestDay} is ${share.toFixed(1)}% of the profit (consistency target under ${rules.consistencyPercent}%)`;
      } else {
        verdict = 'pass';
        day = id;
        daysToTarget = index + 1;
        reason = `closed ${id} at ${money(balance)}, at or above the target ${money(target)}${met === null ? '' : ' with the consistency rule met'}`;
      }
    }
    high = Math.max(high, balance);
    floor = lossLimitFloor(rules, high);
  });
  const totalProfit = cents(balance - start);
  const share = totalProfit > 0 && bestDayPnl !== null ? round6(bestDayPnl / totalProfit) : null;
  return {
    rules: rules.name,
    verdict,
    day,
    reason,
    startingBalance: start,
    targetBalance: target,
    endingBalance: balance,
    daysToTarget,
    tradingDays: dayIds.length,
    floorAtEnd: floor,
    worstDistance,
    consistency: {
      bestDay: totalProfit > 0 ? bestDay : null,
      bestDayPnl: totalProfit > 0 ? bestDayPnl : null,
      totalProfit,
      share,
      targetPercent: rules.consistencyPercent,
      met: totalProfit > 0 && bestDayPnl !== null ? consistencyMet(rules, bestDayPnl, totalProfit) : null,
    },
    markToMarket: bars === undefined ? 'trade closes only' : 'bar extremes',
    days,
    monteCarlo: monteCarlo(days, rules, options),
  };
}

/** 95% Wilson score interval for `successes` out of `trials`. */
export function wilsonInterval(
  successes: number,
  trials: number,
  z = WILSON_Z,
): { low: number; high: number } {
  if (!(trials > 0)) throw new Error(`wilsonInterval needs at least one trial, got ${trials}`);
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const center = (p + z2 / (2 * trials)) / denominator;
  const half = (z / denominator) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return {
    low: successes === 0 ? 0 : round6(Math.max(0, center - half)),
    high: successes === trials ? 1 : round6(Math.min(1, center + half)),
  };
}

/**
 * Bootstrap of trading days: each run draws days with replacement and walks them under the rules
 * (fail when the day's worst point reaches the floor, pass at a day's close at the target with the
 * consistency rule met) until it passes, fails, or has walked maxDays days ('neither').
 */
export function monteCarlo(
  days: readonly Pick<TradingDayRecord, 'netPnl' | 'worstOffset'>[],
  rules: AccountRules,
  options: MonteCarloOptions = {},
): MonteCarloResult {
  const runs = options.runs ?? 10_000;
  const seed = options.seed ?? 1;
  const factor = options.maxDaysFactor ?? 3;
  if (!(Number.isInteger(runs) && runs >= 1))
    throw new Error(`Monte Carlo runs must be a whole number ≥ 1, got ${runs}`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff))
    throw new Error(`Monte Carlo seed must be a whole number from 0 to 4294967295, got ${seed}`);
  const maxDays = days.length * factor;
  // Integer cents in typed arrays: exact sums at the target, and a tight loop (runs × days draws).
  const count = days.length;
  const pnl = Float64Array.from(days, (d) => Math.round(d.netPnl * 100));
  const worst = Float64Array.from(days, (d) => Math.round(d.worstOffset * 100));
  const start = Math.round(rules.startingBalance * 100);
  const limit = Math.round(rules.maxLossLimit * 100);
  const hasFloor = rules.maxLossLimit > 0;
  const target =
    rules.profitTarget === null ? Number.POSITIVE_INFINITY : start + Math.round(rules.profitTarget * 100);
  const consistency = rules.consistencyPercent;
  let passed = 0;
  let failed = 0;
  const daysToPass: number[] = [];
  let state = seed >>> 0; // mulberry32, inlined (this loop runs runs × days times)
  for (let run = 0; run < runs; run++) {
    let balance = start;
    let high = start;
    let best = Number.NEGATIVE_INFINITY;
    for (let n = 1; n <= maxDays; n++) {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const i = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * count);
      // The floor as lossLimitFloor has it: trailing the end-of-day high, locked at the start.
      if (hasFloor && balance + worst[i]! <= Math.min(start, high - limit)) {
        failed++;
        break;
      }
      balance += pnl[i]!;
      if (pnl[i]! > best) best = pnl[i]!;
      if (balance >= target && (consistency === null || best * 100 < consistency * (balance - start))) {
        passed++;
        daysToPass.push(n);
        break;
      }
      if (balance > high) high = balance;
    }
  }
  daysToPass.sort((a, b) => a - b);
  const mid = daysToPass.length >> 1;
  return {
    runs,
    seed,
    sampleDays: days.length,
    maxDays,
    passed,
    failed,
    neither: runs - passed - failed,
    passProbability: round6(passed / runs),
    passInterval95: wilsonInterval(passed, runs),
    failShare: round6(failed / runs),
    neitherShare: round6((runs - passed - failed) / runs),
    medianDaysToPass:
      daysToPass.length === 0
        ? null
        : daysToPass.length % 2 === 1
          ? daysToPass[mid]!
          : (daysToPass[mid - 1]! + daysToPass[mid]!) / 2,
  };
}

/** The verdict as terminal lines; `bold` styles the heading line. */
export function verdictLines(
  result: { readonly verdict: CombineVerdict },
  bold: (text: string) => string = (text) => text,
): string[] {
  return verdictRows(result.verdict).map(([label, value], i) =>
    i === 0 ? bold(`${label}: ${value}`) : `  ${label}: ${value}`,
  );
}

/** The verdict as a small HTML table (escaped). */
export function verdictHtml(result: { readonly verdict: CombineVerdict }): string {
  const rows = verdictRows(result.verdict)
    .map(
      ([label, value]) =>
        `<tr><th style="text-align: left">${escapeHtml(label)}</th><td style="text-align: left">${escapeHtml(value)}</td></tr>`,
    )
    .join('\n');
  return `<table class="verdict">\n${rows}\n</table>`;
}

function verdictRows(v: CombineVerdict): [string, string][] {
  const mc = v.monteCarlo;
  const share = (p: number | null, digits = 1) => (p === null ? 'n/a' : percent(p, digits));
  const c = v.consistency;
  return [
    [`Combine verdict (${v.rules})`, `${v.verdict.toUpperCase()}${v.day === null ? '' : ` on ${v.day}`}`],
    ['Why', v.reason],
    [
      'Days to target',
      `${v.daysToTarget === null ? 'n/a' : `${v.daysToTarget} of ${v.tradingDays} trading days`}; target ${v.targetBalance === null ? 'none' : money(v.targetBalance)}, balance ${money(v.startingBalance)} → ${money(v.endingBalance)}`,
    ],
    [
      'Worst distance to the loss limit',
      v.worstDistance === null
        ? 'no loss limit'
        : `${money(v.worstDistance.amount)} at ${isoMinute(v.worstDistance.ts)} UTC (${v.worstDistance.day}; open P&L included, marked at ${v.markToMarket}); floor at the end ${v.floorAtEnd === null ? 'none' : money(v.floorAtEnd)}`,
    ],
    [
      'Best day',
      c.share === null
        ? `no profit (consistency target ${c.targetPercent === null ? 'none' : `under ${c.targetPercent}%`})`
        : `${c.bestDay} ${money(c.bestDayPnl ?? 0)} = ${share(c.share)} of ${money(c.totalProfit)} (consistency target ${c.targetPercent === null ? 'none' : `under ${c.targetPercent}%: ${c.met ? 'met' : 'not met'}`})`,
    ],
    [
      'Monte Carlo',
      `${mc.runs.toLocaleString('en-US')} runs, seed ${mc.seed}, bootstrap of ${mc.sampleDays} trading days, at most ${mc.maxDays} a run: pass before fail ${share(mc.passProbability, 2)} (95% CI ${share(mc.passInterval95?.low ?? null, 2)}–${share(mc.passInterval95?.high ?? null, 2)}), fail ${share(mc.failShare, 2)}, neither ${share(mc.neitherShare, 2)}${mc.medianDaysToPass === null ? '' : `; median ${mc.medianDaysToPass} days to pass`}`,
    ],
  ];
}

function isoMinute(ts: number): string {
  return new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
}
