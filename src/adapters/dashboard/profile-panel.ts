/**
 * The alert detail's profile panel. Levels (POC/VAH/VAL, entry, targets, confirmation score) come
 * from the stored plan on the alert's position, the plan's stop and the current ladder stop apart
 * (alert-stops.ts); the histogram and the candles need bars, which
 * the store does not keep: when the bot gives the dashboard a `bars` source (market data, or the
 * sim's CSV), the profile is recomputed with src/domain/profile.ts over the same lookback window.
 */
import { getInstrument } from '../../domain/instruments.ts';
import { computeProfile, type ProfileRow } from '../../domain/profile.ts';
import type { BotSettings } from '../../domain/settings.ts';
import type { Bar } from '../../domain/types.ts';
import type { AlertDetail } from '../../ports/dashboard-queries.ts';
import { type AlertStops, alertStops } from './alert-stops.ts';

export type BarsSource = (symbol: string, from: number, to: number) => Promise<readonly Bar[]>;

export interface ProfilePanel {
  readonly symbol: string | null;
  /** The time the profile ends at (the alert's bar time, fire time or receive time). */
  readonly at: number;
  readonly levels: {
    readonly poc: number | null;
    readonly vah: number | null;
    readonly val: number | null;
    readonly entry: number | null;
    /** The stop of the plan at entry (what the trade risked). */
    readonly planStop: number | null;
    /** The ladder stop now, or when the position ended; it moves as targets are reached. */
    readonly currentStop: number | null;
    /** Highest target reached when the current stop was set: 0 none, 1..3; null unknown. */
    readonly currentStopRung: number | null;
    readonly tp1: number | null;
    readonly tp2: number | null;
    readonly tp3: number | null;
    readonly confirmationScore: number | null;
  };
  readonly profile: {
    readonly rows: readonly ProfileRow[];
    readonly poc: number;
    readonly vah: number;
    readonly val: number;
    readonly lookbackMinutes: number;
  } | null;
  readonly candles: readonly Bar[];
  /** Why there is no histogram, for the panel to say. */
  readonly note: string | null;
}

const AFTER_MS = 90 * 60_000;

export async function profilePanel(
  detail: AlertDetail,
  settings: Pick<BotSettings, 'profileLookbackMinutes' | 'profileRows' | 'valueAreaPercent'>,
  bars: BarsSource | undefined,
  stops: AlertStops = alertStops(detail.positions[0], detail.events),
): Promise<ProfilePanel> {
  const parsed = detail.alert.parsed;
  const position = detail.positions[0];
  const symbol = position?.symbol ?? parsed?.symbol ?? null;
  const at = parsed?.barTime ?? parsed?.firedAt ?? detail.alert.receivedAt;
  const score =
    position?.confirmationScore ??
    detail.signals.find((s) => s.confirmationScore !== null)?.confirmationScore ??
    null;
  const levels = {
    poc: position?.poc ?? null,
    vah: position?.vah ?? null,
    val: position?.val ?? null,
    entry: position?.entryPrice ?? null,
    planStop: stops.planStop,
    currentStop: stops.currentStop,
    currentStopRung: stops.currentStopRung,
    tp1: position?.tp1 ?? null,
    tp2: position?.tp2 ?? null,
    tp3: position?.tp3 ?? null,
    confirmationScore: score,
  };
  const base = { symbol, at, levels };
  if (symbol === null)
    return { ...base, profile: null, candles: [], note: 'the alert was not parsed, so it names no symbol' };
  if (!bars)
    return {
      ...base,
      profile: null,
      candles: [],
      note: 'no bar source is attached to the dashboard, so only the stored levels are shown',
    };
  const instrument = getInstrument(symbol);
  if (!instrument)
    return { ...base, profile: null, candles: [], note: `${symbol} is not a known instrument` };
  const lookbackMs = settings.profileLookbackMinutes * 60_000;
  const candles = await bars(symbol, at - lookbackMs, at + AFTER_MS);
  const window = candles.filter((b) => b.ts >= at - lookbackMs && b.ts < at);
  const result = computeProfile(window, {
    tickSize: instrument.tickSize,
    layout: { rows: settings.profileRows },
    valueAreaPercent: settings.valueAreaPercent,
  });
  if (result.kind !== 'profile') return { ...base, profile: null, candles, note: result.reason };
  return {
    ...base,
    profile: {
      rows: result.rows,
      poc: result.poc,
      vah: result.vah,
      val: result.val,
      lookbackMinutes: settings.profileLookbackMinutes,
    },
    candles,
    note: null,
  };
}

/** Column-oriented bars (sim/csv.ts BarSeries) per symbol. */
export interface BarColumns {
  readonly length: number;
  readonly ts: ArrayLike<number>;
  readonly open: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  readonly low: ArrayLike<number>;
  readonly close: ArrayLike<number>;
  readonly volume: ArrayLike<number>;
}

function firstAtOrAfter(ts: ArrayLike<number>, length: number, value: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A bars source over loaded bar columns (the sim's CSV loader, a demo), at most `max` bars per call. */
export function barsFromColumns(bySymbol: Readonly<Record<string, BarColumns>>, max = 2000): BarsSource {
  return async (symbol, from, to) => {
    const s = bySymbol[symbol];
    if (!s) return [];
    const start = firstAtOrAfter(s.ts, s.length, from);
    const end = Math.min(firstAtOrAfter(s.ts, s.length, to), start + max);
    const out: Bar[] = [];
    for (let i = start; i < end; i++) {
      out.push({
        ts: s.ts[i]!,
        open: s.open[i]!,
        high: s.high[i]!,
        low: s.low[i]!,
        close: s.close[i]!,
        volume: s.volume[i]!,
      });
    }
    return out;
  };
}
