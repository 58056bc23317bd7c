/**
 * How values look on the wire: ISO timestamps in both observed styles (§3) and decimals that can be
 * written with nine fraction digits like the real gateway (`6335.250000000`).
 */

export type TimestampStyle = 'offset' | 'zulu';

/** `2025-07-18T21:00:01.268000+00:00` (offset, six fraction digits) or `2025-01-20T15:47:39.882Z`. */
export function isoTimestamp(ms: number, style: TimestampStyle): string {
  const iso = new Date(ms).toISOString();
  if (style === 'zulu') return iso;
  return `${iso.slice(0, 23)}000+00:00`;
}

/** Field names whose numbers are decimals in the ProjectX models. */
const DECIMAL_FIELDS = new Set([
  'balance',
  'tickSize',
  'tickValue',
  'limitPrice',
  'stopPrice',
  'filledPrice',
  'trailPrice',
  'averagePrice',
  'price',
  'profitAndLoss',
  'fees',
  'commissions',
  'o',
  'h',
  'l',
  'c',
  'lastPrice',
  'bestBid',
  'bestAsk',
  'change',
  'changePercent',
  'open',
  'high',
  'low',
]);

const MARK = '\u0000dec:';

/** JSON.stringify, optionally writing decimal fields with nine fraction digits. */
export function toWireJson(value: unknown, nineDigitDecimals: boolean): string {
  if (!nineDigitDecimals) return JSON.stringify(value);
  const text = JSON.stringify(value, (key, v: unknown) =>
    typeof v === 'number' && DECIMAL_FIELDS.has(key) && Number.isFinite(v) ? MARK + v.toFixed(9) : v,
  );
  // The replacer produced JSON strings holding the marker; turn them back into bare numbers.
  return text.replace(/"\\u0000dec:(-?[0-9.]+)"/g, '$1');
}

/** Round a computed price to the tick grid without float drift (ticks are integers). */
export function ticksOf(price: number, tickSize: number): number {
  return Math.round(price / tickSize);
}

/** Whether `price` sits on the tick grid (tolerating float representation noise). */
export function onTickGrid(price: number, tickSize: number): boolean {
  const ticks = price / tickSize;
  return Math.abs(ticks - Math.round(ticks)) < 1e-6;
}

/** Price of an integer tick count, rounded to the tick size's decimals. */
export function priceOf(ticks: number, tickSize: number): number {
  const decimals = decimalsOf(tickSize);
  return Number((ticks * tickSize).toFixed(decimals));
}

export function decimalsOf(tickSize: number): number {
  const text = String(tickSize);
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/** Dollars rounded to cents once, at the edge. */
export function cents(dollars: number): number {
  return Math.round(dollars * 100) / 100;
}
