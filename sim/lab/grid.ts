/**
 * The lab's grid file: which settings to sweep and over which values, the fixed settings, the
 * objective and its constraints, the walk-forward windows and the heatmap axes. Validated here with
 * errors that name the field and the fix; values are checked by the bot's own settings schema, so a
 * grid can only hold what `npm run backtest -- --settings` would accept.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type BotSettings, DEFAULT_SETTINGS } from '../../src/domain/settings.ts';
import { nearestSetting, parseSettingsPatch, SettingsError } from '../../src/settings/schema.ts';
import { mulberry32 } from '../random.ts';
import { type Constraint, OBJECTIVES, type Objective, parseConstraint } from './objective.ts';

export type SettingValue = number | boolean | string;

/** Settings that do not describe a strategy (what to trade, where, whose account) are not swept. */
const NOT_SWEPT: ReadonlySet<string> = new Set([
  'isActive',
  'marketTypes',
  'watchlist',
  'blacklist',
  'timeZone',
  'cmeCalendar',
  'balanceTolerance',
  'maxAlertLagMs',
]);

/** The lab refuses to even list more cells than this; --random N samples a larger grid instead. */
export const MAX_GRID_CELLS = 1_000_000;

export interface LabParameter {
  readonly name: keyof BotSettings;
  readonly values: readonly SettingValue[];
}

export interface WalkForwardSpec {
  readonly inSampleDays: number;
  readonly outOfSampleDays: number;
  /** Anchored: every in-sample window starts at the first day; rolling (default): it slides. */
  readonly anchored: boolean;
}

export interface LabSpec {
  readonly parameters: readonly LabParameter[];
  /** Settings every cell shares (checked by the settings schema). */
  readonly settings: Partial<BotSettings>;
  readonly objective: Objective;
  readonly constraints: readonly Constraint[];
  readonly walkForward: WalkForwardSpec | null;
  /** Two swept settings for the report's heatmap (default: the first two parameters). */
  readonly heatmap: readonly [keyof BotSettings, keyof BotSettings] | null;
  /** Seed of the random search and of every cell's Monte Carlo. */
  readonly seed: number;
  /** Sample this many distinct cells instead of the whole grid (null: the whole grid). */
  readonly random: number | null;
}

export class GridError extends Error {
  constructor(
    readonly origin: string,
    readonly problems: readonly string[],
  ) {
    super(`${origin}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join('\n  - ')}`}`);
    this.name = 'GridError';
  }
}

const scalar = z.union([z.number(), z.boolean(), z.string()]);
const range = z
  .object({ from: z.number(), to: z.number(), step: z.number() })
  .strict()
  .describe('{"from":…, "to":…, "step":…}');
const gridSchema = z
  .object({
    parameters: z.record(z.string(), z.union([z.array(scalar), range])),
    settings: z.record(z.string(), z.unknown()).optional(),
    objective: z.string().optional(),
    constraints: z.array(z.string()).optional(),
    walkForward: z
      .object({
        inSampleDays: z.number().int().min(1),
        outOfSampleDays: z.number().int().min(1),
        anchored: z.boolean().optional(),
      })
      .strict()
      .optional(),
    heatmap: z.tuple([z.string(), z.string()]).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional(),
    random: z.number().int().min(1).optional(),
  })
  .strict();

export const GRID_EXAMPLE = `{
  "parameters": {
    "profileRows": [24, 48],
    "valueAreaPercent": { "from": 60, "to": 80, "step": 10 },
    "stopBufferTicks": [2, 4, 8]
  },
  "settings": { "riskPerTrade": 250 },
  "objective": "passProbability",
  "constraints": ["maxDrawdown < 1500", "trades >= 5"],
  "walkForward": { "inSampleDays": 3, "outOfSampleDays": 1 }
}`;

/** Values of a {from, to, step} range, both ends included, free of float drift (10 decimals). */
export function rangeValues(from: number, to: number, step: number, where: string): number[] {
  if (!(step > 0))
    throw new GridError(where, [`step ${step} must be above 0, e.g. {"from":1,"to":5,"step":1}`]);
  if (from > to)
    throw new GridError(where, [`the range is empty: from ${from} is above to ${to}; swap them or widen it`]);
  const count = Math.floor((to - from) / step + 1e-9) + 1;
  if (count > MAX_GRID_CELLS)
    throw new GridError(where, [`${count.toLocaleString('en-US')} values; use a larger step`]);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(Math.round((from + i * step) * 1e10) / 1e10);
  return out;
}

/** Parse and check a grid (the JSON text or its parsed value); `origin` names it in errors. */
export function parseGrid(raw: unknown, origin = 'grid'): LabSpec {
  const parsed = gridSchema.safeParse(raw);
  if (!parsed.success) {
    throw new GridError(
      origin,
      parsed.error.issues.map((issue) => {
        const path = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
        if (issue.code === 'unrecognized_keys')
          return `${path}: unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}; the fields are parameters, settings, objective, constraints, walkForward, heatmap, seed, random`;
        return `${path}: ${issue.message}`;
      }),
    );
  }
  const grid = parsed.data;
  const problems: string[] = [];
  const parameters: LabParameter[] = [];
  const names = Object.keys(grid.parameters);
  if (names.length === 0)
    problems.push('parameters: empty; name at least one setting to sweep, e.g. {"profileRows":[24,48]}');
  for (const name of names) {
    const where = `parameters.${name}`;
    if (!(name in DEFAULT_SETTINGS)) {
      const near = nearestSetting(name);
      problems.push(
        `${where}: not a setting${near ? `; did you mean ${near}?` : ''} (every setting: docs/settings.md)`,
      );
      continue;
    }
    if (NOT_SWEPT.has(name)) {
      problems.push(`${where}: ${name} is not a strategy setting the lab sweeps; put it under "settings"`);
      continue;
    }
    const spec = grid.parameters[name]!;
    let values: SettingValue[];
    try {
      values = Array.isArray(spec) ? [...spec] : rangeValues(spec.from, spec.to, spec.step, where);
    } catch (error) {
      if (error instanceof GridError) {
        problems.push(...error.problems.map((p) => `${where}: ${p}`));
        continue;
      }
      throw error;
    }
    if (values.length === 0) {
      problems.push(
        `${where}: no values; give at least one, e.g. [${name === 'closeAtTp3' ? 'true, false' : '1, 2'}]`,
      );
      continue;
    }
    const seen = new Set<string>();
    let ok = true;
    for (const [i, value] of values.entries()) {
      const key = JSON.stringify(value);
      if (seen.has(key)) {
        problems.push(`${where}[${i}]: ${key} appears twice; each value once`);
        ok = false;
        continue;
      }
      seen.add(key);
      try {
        parseSettingsPatch({ [name]: value }, `${where}[${i}]`);
      } catch (error) {
        if (!(error instanceof SettingsError)) throw error;
        const own = `${name}: `;
        problems.push(
          `${where}[${i}]: ${error.problems.map((p) => (p.startsWith(own) ? p.slice(own.length) : p)).join('; ')}`,
        );
        ok = false;
      }
    }
    if (ok) parameters.push({ name: name as keyof BotSettings, values });
  }
  let settings: Partial<BotSettings> = {};
  if (grid.settings !== undefined) {
    try {
      settings = parseSettingsPatch(grid.settings, 'settings');
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      problems.push(...error.problems.map((p) => `settings.${p}`));
    }
    for (const name of Object.keys(grid.settings))
      if (name in grid.parameters)
        problems.push(`settings.${name}: also under parameters; keep it in one place`);
  }
  const objectiveName = grid.objective ?? 'netPnl';
  const objective = OBJECTIVES.find((o) => o === objectiveName);
  if (objective === undefined)
    problems.push(`objective: "${objectiveName}" is not an objective; use one of ${OBJECTIVES.join(', ')}`);
  const constraints: Constraint[] = [];
  for (const [i, text] of (grid.constraints ?? []).entries()) {
    const c = parseConstraint(text);
    if (typeof c === 'string') problems.push(`constraints[${i}]: ${c}`);
    else constraints.push(c);
  }
  let heatmap: LabSpec['heatmap'] = null;
  if (grid.heatmap !== undefined) {
    for (const [i, axis] of grid.heatmap.entries())
      if (!(axis in grid.parameters))
        problems.push(`heatmap[${i}]: "${axis}" is not one of the swept parameters (${names.join(', ')})`);
    if (grid.heatmap[0] === grid.heatmap[1]) problems.push('heatmap: name two different parameters');
    heatmap = [grid.heatmap[0] as keyof BotSettings, grid.heatmap[1] as keyof BotSettings];
  } else if (parameters.length >= 2) {
    heatmap = [parameters[0]!.name, parameters[1]!.name];
  }
  if (problems.length > 0) throw new GridError(origin, problems);
  const spec: LabSpec = {
    parameters,
    settings,
    objective: objective!,
    constraints,
    walkForward: grid.walkForward
      ? {
          inSampleDays: grid.walkForward.inSampleDays,
          outOfSampleDays: grid.walkForward.outOfSampleDays,
          anchored: grid.walkForward.anchored ?? false,
        }
      : null,
    heatmap,
    seed: grid.seed ?? 1,
    random: grid.random ?? null,
  };
  return spec;
}

export function loadGrid(path: string): LabSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new GridError(path, ['cannot read the grid file; check the path']);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GridError(path, [`not JSON (${(error as Error).message}); fix it, e.g.\n${GRID_EXAMPLE}`]);
  }
  return parseGrid(value, path);
}

/** Cells of the whole grid (a product, computed without listing them). */
export function gridSize(spec: Pick<LabSpec, 'parameters'>): number {
  return spec.parameters.reduce((n, p) => n * p.values.length, 1);
}

export interface LabCell {
  /** Index in the whole grid (mixed radix over the parameters in file order): stable across runs. */
  readonly index: number;
  readonly values: Readonly<Record<string, SettingValue>>;
  /** "profileRows=48 valueAreaPercent=70". */
  readonly label: string;
}

export function cellAt(spec: Pick<LabSpec, 'parameters'>, index: number): LabCell {
  const values: Record<string, SettingValue> = {};
  let rest = index;
  // The last parameter varies fastest, like nested loops in file order.
  const picks: SettingValue[] = new Array(spec.parameters.length);
  for (let i = spec.parameters.length - 1; i >= 0; i--) {
    const p = spec.parameters[i]!;
    picks[i] = p.values[rest % p.values.length]!;
    rest = Math.floor(rest / p.values.length);
  }
  spec.parameters.forEach((p, i) => {
    values[p.name] = picks[i]!;
  });
  return {
    index,
    values,
    label: spec.parameters.map((p) => `${p.name}=${String(values[p.name])}`).join(' '),
  };
}

/**
 * The cells to run: the whole grid, or `random` distinct cells drawn with the seed (sorted by grid
 * index, so the same grid and seed always give the same cells in the same order).
 */
export function labCells(spec: LabSpec, random: number | null = spec.random): LabCell[] {
  const total = gridSize(spec);
  if (random === null || random >= total) {
    if (total > MAX_GRID_CELLS)
      throw new GridError('grid', [
        `${total.toLocaleString('en-US')} cells; the lab runs at most ${MAX_GRID_CELLS.toLocaleString('en-US')} — narrow the ranges or sample with --random N`,
      ]);
    return Array.from({ length: total }, (_, i) => cellAt(spec, i));
  }
  const next = mulberry32(spec.seed);
  const chosen = new Set<number>();
  while (chosen.size < random) chosen.add(Math.floor(next() * total));
  return [...chosen].sort((a, b) => a - b).map((i) => cellAt(spec, i));
}
