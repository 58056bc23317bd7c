/**
 * Position sizing: as many contracts as the dollar risk allows with every leg filled and the initial
 * stop hit, capped by maxContracts. The risk of a contract is its distance to the stop plus the stop
 * slippage assumed, in ticks, plus its round-turn fees. Money is counted in whole cents so floors
 * never wobble.
 */
import { fromTicks, type TickGrid } from './ticks.ts';
import type { EntryLeg, Instrument, Side } from './types.ts';

export interface DcaLevel {
  /** Where the leg sits, as a fraction of the entry→stop distance (0 < fraction < 1). */
  readonly fraction: number;
  /** Share of the total size on this leg (0 < sizeShare < 1; the main entry keeps the rest). */
  readonly sizeShare: number;
}

export interface SizingInput {
  readonly side: Side;
  readonly entryPrice: number;
  readonly stopPrice: number;
  readonly instrument: TickGrid & Pick<Instrument, 'tickValue'>;
  /** Dollars lost at most if every leg fills and the stop is hit, costs included. */
  readonly riskDollars: number;
  readonly maxContracts: number;
  /** Commission and fees per contract for the round turn, dollars (default 0). */
  readonly roundTurnFee?: number;
  /** Ticks of slippage assumed on the stop exit (default 0). */
  readonly slippageTicks?: number;
  readonly dcaLevels?: readonly DcaLevel[];
}

export interface PositionSize {
  /** legs[0] is the main entry; further legs are DCA rungs toward the stop, nearest the entry first. */
  readonly legs: readonly EntryLeg[];
  readonly quantity: number;
  readonly riskDollars: number;
}

export type SizingResult =
  | { readonly ok: true; readonly size: PositionSize }
  | { readonly ok: false; readonly reason: string };

interface Rung {
  readonly offsetTicks: number;
  readonly share: number;
}

export function sizePosition(input: SizingInput): SizingResult {
  const { instrument, side } = input;
  const invalid = inputProblem(input);
  if (invalid) return { ok: false, reason: invalid };

  const entryTicks = Math.round(input.entryPrice / instrument.tickSize);
  const stopTicks = Math.round(input.stopPrice / instrument.tickSize);
  const direction = side === 'long' ? 1 : -1;
  const stopDistance = (entryTicks - stopTicks) * direction;
  if (stopDistance < 1) {
    return {
      ok: false,
      reason: `the stop ${input.stopPrice} must be at least one tick ${side === 'long' ? 'below' : 'above'} the ${side} entry ${input.entryPrice}`,
    };
  }
  const tickCents = Math.round(instrument.tickValue * 100);
  const budgetCents = Math.round(input.riskDollars * 100);
  const slip = input.slippageTicks ?? 0;
  const feeCents = Math.round((input.roundTurnFee ?? 0) * 100);
  const rungsResult = dcaRungs(input.dcaLevels ?? [], stopDistance);
  if (typeof rungsResult === 'string') return { ok: false, reason: rungsResult };
  const rungs = rungsResult;

  const oneContractCents = (stopDistance + slip) * tickCents + feeCents;
  const quantities = new Array<number>(rungs.length + 1).fill(0);
  for (let total = input.maxContracts; total >= 1; total--) {
    const cents = allocate(total, rungs, stopDistance + slip, tickCents, quantities) + total * feeCents;
    if (cents > budgetCents) continue;
    const legs: EntryLeg[] = [{ price: input.entryPrice, quantity: quantities[0]! }];
    for (let i = 0; i < rungs.length; i++) {
      const quantity = quantities[i + 1]!;
      if (quantity === 0) continue;
      const price = fromTicks(entryTicks - direction * rungs[i]!.offsetTicks, instrument);
      legs.push({ price, quantity });
    }
    return { ok: true, size: { legs, quantity: total, riskDollars: cents / 100 } };
  }
  return {
    ok: false,
    reason:
      `risk $${dollars(budgetCents)} is less than one contract's risk $${dollars(oneContractCents)} ` +
      `(${stopDistance} ticks${slip > 0 ? ` + ${slip} tick${slip === 1 ? '' : 's'} of stop slippage` : ''} × $${dollars(tickCents)} from entry ${input.entryPrice} to stop ${input.stopPrice}` +
      `${feeCents > 0 ? ` + $${dollars(feeCents)} fees` : ''}); ` +
      'raise riskPerTrade or use a tighter stop or a micro contract',
  };
}

/**
 * Split `total` contracts: each DCA rung gets floor(total × share), the main entry keeps the rest
 * (so it always has at least one). Writes into `out` and returns the risk in cents.
 */
function allocate(
  total: number,
  rungs: readonly Rung[],
  stopDistance: number,
  tickCents: number,
  out: number[],
): number {
  let main = total;
  let cents = 0;
  for (let i = 0; i < rungs.length; i++) {
    const rung = rungs[i]!;
    const quantity = Math.floor(total * rung.share + 1e-9);
    out[i + 1] = quantity;
    main -= quantity;
    cents += quantity * (stopDistance - rung.offsetTicks) * tickCents;
  }
  out[0] = main;
  return cents + main * stopDistance * tickCents;
}

/** Rung offsets in whole ticks from the entry, strictly between entry and stop; equal offsets merge. */
function dcaRungs(levels: readonly DcaLevel[], stopDistance: number): readonly Rung[] | string {
  if (levels.length === 0) return [];
  if (stopDistance < 2) {
    return `a stop ${stopDistance} tick from the entry leaves no room for DCA legs; widen stopBufferTicks or remove dcaLevels`;
  }
  const byOffset = new Map<number, number>();
  for (const level of levels) {
    const offset = Math.min(stopDistance - 1, Math.max(1, Math.round(level.fraction * stopDistance)));
    byOffset.set(offset, (byOffset.get(offset) ?? 0) + level.sizeShare);
  }
  return [...byOffset.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([offsetTicks, share]) => ({ offsetTicks, share }));
}

function inputProblem(input: SizingInput): string | undefined {
  if (!(input.riskDollars > 0) || !Number.isFinite(input.riskDollars)) {
    return `riskPerTrade ${input.riskDollars} must be a positive dollar amount`;
  }
  if (
    !(input.roundTurnFee === undefined || (input.roundTurnFee >= 0 && Number.isFinite(input.roundTurnFee)))
  ) {
    return `roundTurnFee ${input.roundTurnFee} must be a dollar amount of at least 0`;
  }
  if (
    !(
      input.slippageTicks === undefined ||
      (Number.isInteger(input.slippageTicks) && input.slippageTicks >= 0)
    )
  ) {
    return `stopSlippageTicks ${input.slippageTicks} must be a whole number of ticks, at least 0`;
  }
  if (!Number.isInteger(input.maxContracts) || input.maxContracts < 1) {
    return `maxContracts ${input.maxContracts} must be a whole number of at least 1`;
  }
  if (!(input.instrument.tickValue > 0) || !(input.instrument.tickSize > 0)) {
    return `instrument tickSize ${input.instrument.tickSize} and tickValue ${input.instrument.tickValue} must be positive`;
  }
  if (!Number.isFinite(input.entryPrice) || !Number.isFinite(input.stopPrice)) {
    return `entry ${input.entryPrice} and stop ${input.stopPrice} must be finite prices`;
  }
  let shares = 0;
  const levels = input.dcaLevels ?? [];
  for (let i = 0; i < levels.length; i++) {
    const { fraction, sizeShare } = levels[i]!;
    if (!(fraction > 0 && fraction < 1)) {
      return `dcaLevels[${i}].fraction ${fraction} must be between 0 and 1 (a share of the entry→stop distance)`;
    }
    if (!(sizeShare > 0 && sizeShare < 1)) {
      return `dcaLevels[${i}].sizeShare ${sizeShare} must be between 0 and 1 (a share of the total size)`;
    }
    shares += sizeShare;
  }
  if (shares >= 1 - 1e-9) {
    return `dcaLevels sizeShare values add up to ${shares}; they must total less than 1 so the main entry keeps a share`;
  }
  return undefined;
}

/** "$150" for whole dollars, "$12.50" otherwise. */
function dollars(cents: number): string {
  return cents % 100 === 0 ? String(cents / 100) : (cents / 100).toFixed(2);
}
