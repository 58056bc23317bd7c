/**
 * Dual-timeframe confirmation score (0–100) for an alert. The strategy buys value (long at the
 * value-area low, short at the high), so a side is confirmed when the price sits at the cheap end of
 * both value areas, both POCs leave room to revert toward, and value is migrating the alert's way.
 * Components and weights are documented in src/domain/README.md.
 */
import type { ProfileResult } from './profile.ts';
import type { Side } from './types.ts';

export const DEFAULT_CONFIRMATION_THRESHOLD = 60;

export interface ConfirmationInput {
  readonly side: Side;
  /** Price at the alert (usually the last trade or the alert's close). */
  readonly price: number;
  /** Profile of the short lookback (the one the entry levels come from). */
  readonly shortProfile: ProfileResult;
  /** Profile of the long lookback (the higher-timeframe context). */
  readonly longProfile: ProfileResult;
}

export type ConfirmationComponentName =
  | 'shortValueLocation'
  | 'longValueLocation'
  | 'roomToShortPoc'
  | 'roomToLongPoc'
  | 'valueMigration';

export interface ConfirmationComponent {
  readonly name: ConfirmationComponentName;
  readonly points: number;
  readonly maxPoints: number;
  readonly detail: string;
}

export interface Confirmation {
  /** Whole number 0–100. */
  readonly score: number;
  readonly components: readonly ConfirmationComponent[];
}

export const CONFIRMATION_WEIGHTS: Readonly<Record<ConfirmationComponentName, number>> = {
  shortValueLocation: 30,
  longValueLocation: 30,
  roomToShortPoc: 10,
  roomToLongPoc: 10,
  valueMigration: 20,
};

export function confirmationScore(input: ConfirmationInput): Confirmation {
  const { side, price, shortProfile, longProfile } = input;
  const sign = side === 'long' ? 1 : -1;
  const components: ConfirmationComponent[] = [
    location('shortValueLocation', side, price, shortProfile),
    location('longValueLocation', side, price, longProfile),
    room('roomToShortPoc', sign, price, shortProfile),
    room('roomToLongPoc', sign, price, longProfile),
    migration(sign, shortProfile, longProfile),
  ];
  let total = 0;
  for (const component of components) total += component.points;
  const score = Math.min(100, Math.max(0, Math.round(total)));
  return { score, components };
}

/** Full points at or beyond the cheap edge of the value area, none at the far edge, linear between. */
function location(
  name: ConfirmationComponentName,
  side: Side,
  price: number,
  profile: ProfileResult,
): ConfirmationComponent {
  const maxPoints = CONFIRMATION_WEIGHTS[name];
  if (profile.kind !== 'profile') return missing(name, maxPoints, profile.reason);
  const width = profile.vah - profile.val;
  let cheapness: number;
  if (width <= 0) cheapness = (side === 'long' ? price <= profile.val : price >= profile.vah) ? 1 : 0;
  else cheapness = side === 'long' ? (profile.vah - price) / width : (price - profile.val) / width;
  const fraction = Math.min(1, Math.max(0, cheapness));
  return {
    name,
    points: maxPoints * fraction,
    maxPoints,
    detail: `price ${price} in value area ${profile.val}–${profile.vah}: ${Math.round(fraction * 100)}% toward the ${side} edge`,
  };
}

/** Full points when the POC is on the profit side of the price (room to revert toward it). */
function room(
  name: ConfirmationComponentName,
  sign: number,
  price: number,
  profile: ProfileResult,
): ConfirmationComponent {
  const maxPoints = CONFIRMATION_WEIGHTS[name];
  if (profile.kind !== 'profile') return missing(name, maxPoints, profile.reason);
  const ahead = (profile.poc - price) * sign > 0;
  return {
    name,
    points: ahead ? maxPoints : 0,
    maxPoints,
    detail: `POC ${profile.poc} is ${ahead ? '' : 'not '}on the profit side of price ${price}`,
  };
}

/** Full points when the short POC sits beyond the long POC in the side's direction, half when equal. */
function migration(
  sign: number,
  shortProfile: ProfileResult,
  longProfile: ProfileResult,
): ConfirmationComponent {
  const name: ConfirmationComponentName = 'valueMigration';
  const maxPoints = CONFIRMATION_WEIGHTS[name];
  if (shortProfile.kind !== 'profile') return missing(name, maxPoints, shortProfile.reason);
  if (longProfile.kind !== 'profile') return missing(name, maxPoints, longProfile.reason);
  const shift = (shortProfile.poc - longProfile.poc) * sign;
  const points = shift > 0 ? maxPoints : shift === 0 ? maxPoints / 2 : 0;
  const verb = shift > 0 ? 'agrees with' : shift === 0 ? 'is level for' : 'goes against';
  return {
    name,
    points,
    maxPoints,
    detail: `short POC ${shortProfile.poc} vs long POC ${longProfile.poc}: value migration ${verb} the side`,
  };
}

function missing(name: ConfirmationComponentName, maxPoints: number, reason: string): ConfirmationComponent {
  return { name, points: 0, maxPoints, detail: `no profile (${reason})` };
}

/** Convenience for callers that hold two VolumeProfiles. */
export function isConfirmed(confirmation: Confirmation, threshold: number): boolean {
  return threshold <= 0 || confirmation.score >= threshold;
}
