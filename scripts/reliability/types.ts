/** What every reliability campaign hands back: its parameters, measured figures and pass/fail criteria. */

export interface Criterion {
  /** What must hold, in words, e.g. "every alert ends with exactly one decision". */
  readonly name: string;
  readonly pass: boolean;
  /** The measured value that decided it. */
  readonly measured: string;
}

export interface CampaignResult {
  readonly id: string;
  readonly title: string;
  readonly parameters: Readonly<Record<string, string | number>>;
  readonly figures: Readonly<Record<string, string | number>>;
  readonly criteria: readonly Criterion[];
  readonly notes?: readonly string[];
  /** Set when the campaign could not run (missing prerequisite): counts as a failure. */
  readonly error?: string;
  readonly durationMs: number;
}

export interface CampaignOptions {
  /** Reduced counts for CI and `--fast`. */
  readonly fast: boolean;
  readonly seed: number;
  /** Progress lines (stderr in the script, silent in tests). */
  readonly log?: (line: string) => void;
}

export function passed(result: CampaignResult): boolean {
  return result.error === undefined && result.criteria.length > 0 && result.criteria.every((c) => c.pass);
}

/** mulberry32: small seeded generator so every campaign can be repeated. */
export { mulberry32 as seededRandom } from '../../sim/random.ts';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const round = (value: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};
