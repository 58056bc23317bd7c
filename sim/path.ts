/**
 * Intrabar path policies: how a bar becomes a short sequence of price points for the exchange.
 *
 * Every policy visits four slots, open → first extreme → second extreme → close, at fixed offsets
 * inside the bar so events stay time-ordered: ts, ts + ¼·d, ts + ½·d, ts + d − d/60 (d = bar length;
 * for a 1-minute bar: :00, :15, :30, :59). A slot whose price equals the previous slot is skipped.
 *
 * - `direction`: O→L→H→C for up bars (close ≥ open), O→H→L→C for down bars.
 * - `conservative`: the extreme adverse to what is at risk on the symbol goes first (the exchange's
 *   `exposure` decides). +1 visits the low first: an open long meets its stop before its targets, and
 *   a working sell entry fills on the high only after the low has passed. −1 visits the high first:
 *   an open short meets its stop first, and a working buy entry fills on the low only after the high,
 *   with no target left in the bar. 0 (both sides at risk) falls back to `direction`.
 * - `ticks`: the replay delivers the real prints inside the bar instead (see replay.ts); bars without
 *   prints fall back to `conservative`.
 *
 * Allocation-free: points are written into caller-owned buffers.
 */

export type PathPolicy = 'conservative' | 'direction' | 'ticks';
/** +1 long risk, −1 short risk, 0 none or both. */
export type Exposure = -1 | 0 | 1;

export const PATH_POLICIES: readonly PathPolicy[] = ['conservative', 'direction', 'ticks'];

/** Offsets of the four slots as fractions of the bar, and the close slot one sixtieth before the end. */
export function slotOffsets(barMs: number): readonly [number, number, number, number] {
  return [0, Math.floor(barMs / 4), Math.floor(barMs / 2), barMs - Math.max(1, Math.floor(barMs / 60))];
}

/** Buffers for one bar's points (at most 4). */
export class PathBuffer {
  readonly price = new Float64Array(4);
  readonly ts = new Float64Array(4);
  /** True when the segment from the previous point traded every price in between (not a gap). */
  readonly sweep = new Uint8Array(4);
  length = 0;
}

/**
 * Fill `out` with the path of one bar. The first point (the open) is not a sweep: the market may
 * have gapped to it; later points are reached through every price in between.
 */
export function barPath(
  policy: PathPolicy,
  ts: number,
  open: number,
  high: number,
  low: number,
  close: number,
  barMs: number,
  exposure: Exposure,
  out: PathBuffer,
): number {
  const lowFirst = policy !== 'direction' && exposure !== 0 ? exposure === 1 : close >= open; // up bar: O→L→H→C
  const second = lowFirst ? low : high;
  const third = lowFirst ? high : low;
  const q = Math.floor(barMs / 4);
  const h = Math.floor(barMs / 2);
  const last = barMs - Math.max(1, Math.floor(barMs / 60));
  out.price[0] = open;
  out.ts[0] = ts;
  out.sweep[0] = 0;
  let n = 1;
  if (second !== open) {
    out.price[n] = second;
    out.ts[n] = ts + q;
    out.sweep[n] = 1;
    n++;
  }
  if (third !== out.price[n - 1]) {
    out.price[n] = third;
    out.ts[n] = ts + h;
    out.sweep[n] = 1;
    n++;
  }
  if (close !== out.price[n - 1]) {
    out.price[n] = close;
    out.ts[n] = ts + last;
    out.sweep[n] = 1;
    n++;
  }
  out.length = n;
  return n;
}

/** Bar length of a series: the most common gap among the first bars (1 minute when unknown). */
export function inferBarMs(ts: Float64Array, length: number): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < Math.min(length, 500); i++) {
    const gap = ts[i]! - ts[i - 1]!;
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 60_000;
  let bestCount = 0;
  for (const [gap, count] of counts) {
    if (count > bestCount || (count === bestCount && gap < best)) {
      best = gap;
      bestCount = count;
    }
  }
  return best;
}
