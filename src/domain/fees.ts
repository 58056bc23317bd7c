/**
 * Commissions + exchange/clearing fees per contract per side, in dollars. Approximations of the
 * TopstepX schedule (round turn: ES/NQ/RTY $2.80, micros $0.74, CL $3.04, MCL $1.04, GC $3.24,
 * MGC $1.24); halve for one side. Override any of them through the exchange config.
 */
export const DEFAULT_FEES_PER_SIDE: Readonly<Record<string, number>> = {
  ES: 1.4,
  NQ: 1.4,
  RTY: 1.4,
  MES: 0.37,
  MNQ: 0.37,
  M2K: 0.37,
  CL: 1.52,
  MCL: 0.52,
  GC: 1.62,
  MGC: 0.62,
};

/** Fallback per side for a symbol without an entry: a full-size contract's fee. */
export const FALLBACK_FEE_PER_SIDE = 1.4;

export function feePerSide(symbol: string, overrides?: Readonly<Record<string, number>>): number {
  return overrides?.[symbol] ?? DEFAULT_FEES_PER_SIDE[symbol] ?? FALLBACK_FEE_PER_SIDE;
}
