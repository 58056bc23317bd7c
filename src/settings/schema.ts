/**
 * The one schema of the bot settings, built from the declarations in src/domain/settings.ts. Every
 * layer (config file, VALUEAREA_SETTINGS, the database row, a dashboard change) is checked here;
 * a problem names the key, what was wrong and the fix.
 */
import { z } from 'zod';
import { getInstrument, SUPPORTED_SYMBOLS } from '../domain/instruments.ts';
import {
  type BotSettings,
  SETTING_DECLARATIONS,
  SETTING_KEYS,
  type SettingDeclaration,
  type SettingKind,
} from '../domain/settings.ts';

export class SettingsError extends Error {
  constructor(
    readonly origin: string,
    readonly problems: readonly string[],
  ) {
    super(`${origin}: ${problems.join('; ')}`);
  }
}

const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$|^$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

function schemaOf(kind: SettingKind): z.ZodType {
  switch (kind.type) {
    case 'boolean':
      return z.boolean();
    case 'integer': {
      const base = z.number().int().min(kind.min);
      return kind.max === undefined ? base : base.max(kind.max);
    }
    case 'number': {
      const base = kind.minExclusive ? z.number().gt(kind.min) : z.number().min(kind.min);
      return kind.max === undefined ? base : base.max(kind.max);
    }
    case 'time':
      return z.string().regex(TIME);
    case 'timeZone':
      return z.string().refine(isTimeZone);
    case 'symbols':
      return z.array(z.string().refine((s) => getInstrument(s) !== undefined));
    case 'choices':
      return z.array(z.enum(kind.values as [string, ...string[]]));
    case 'choice':
      return z.enum(kind.values as [string, ...string[]]);
    case 'dcaLevels':
      return z.array(z.object({ fraction: z.number().gt(0).lt(1), sizeShare: z.number().gt(0) }).strict());
    default:
      return assertNeverKind(kind);
  }
}

function assertNeverKind(kind: never): never {
  throw new Error(`unknown setting kind ${JSON.stringify(kind)}`);
}

/** What a valid value looks like, for the fix in an error message. */
export function expected(declaration: SettingDeclaration): string {
  const { kind } = declaration;
  switch (kind.type) {
    case 'boolean':
      return 'true or false';
    case 'integer':
    case 'number': {
      const what = kind.type === 'integer' ? 'a whole number' : 'a number';
      const low = kind.type === 'number' && kind.minExclusive ? `above ${kind.min}` : `from ${kind.min}`;
      const range = kind.max === undefined ? `${low}` : `${low} to ${kind.max}`;
      return `${what} ${range}${declaration.unit ? ` (${declaration.unit})` : ''}`;
    }
    case 'time':
      return 'a local time "HH:MM" (24 h), or "" to turn it off';
    case 'timeZone':
      return 'an IANA time zone name';
    case 'symbols':
      return `a list of root symbols from ${SUPPORTED_SYMBOLS.join(', ')}`;
    case 'choices':
      return `a list of ${kind.values.join(', ')}`;
    case 'choice':
      return `one of ${kind.values.join(', ')}`;
    case 'dcaLevels':
      return 'a list of {"fraction": between 0 and 1, "sizeShare": above 0}';
    default:
      return assertNeverKind(kind);
  }
}

const FIELD_SCHEMAS = Object.fromEntries(
  SETTING_KEYS.map((key) => [key, schemaOf(SETTING_DECLARATIONS[key].kind)]),
) as Record<keyof BotSettings, z.ZodType>;

/** The closest setting name to a misspelt one (edit distance ≤ 3 or a case-insensitive match). */
export function nearestSetting(name: string): keyof BotSettings | null {
  let best: keyof BotSettings | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const key of SETTING_KEYS) {
    const k = key.toLowerCase();
    const d = k.startsWith(lower) || lower.startsWith(k) ? 1 : distance(lower, k);
    if (d < bestDistance) {
      bestDistance = d;
      best = key;
    }
  }
  return bestDistance <= 3 ? best : null;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/**
 * Check a partial set of settings. Unknown keys and wrong values are refused, each problem naming
 * the key, the value it got and the fix; nothing of a refused patch applies.
 */
export function parseSettingsPatch(raw: unknown, origin: string): Partial<BotSettings> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SettingsError(origin, [
      `must be a JSON object of bot settings, e.g. {"riskPerTrade":250,"flatByTime":"15:10"}`,
    ]);
  const problems: string[] = [];
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!(key in SETTING_DECLARATIONS)) {
      const near = nearestSetting(key);
      problems.push(
        `${key}: not a setting${near ? `; did you mean ${near}?` : ''} (every setting: docs/settings.md)`,
      );
      continue;
    }
    const name = key as keyof BotSettings;
    const result = FIELD_SCHEMAS[name].safeParse(value);
    if (!result.success) {
      const declaration = SETTING_DECLARATIONS[name];
      problems.push(
        `${key}: got ${JSON.stringify(value)}; use ${expected(declaration)}, e.g. "${key}":${declaration.example}`,
      );
      continue;
    }
    patch[key] = result.data;
  }
  if (problems.length > 0) throw new SettingsError(origin, problems);
  return patch as Partial<BotSettings>;
}

/** A full set of settings (a stored row), checked key by key. */
export function parseSettings(raw: unknown, origin: string): BotSettings {
  const patch = parseSettingsPatch(raw, origin);
  const missing = SETTING_KEYS.filter((key) => !(key in patch));
  if (missing.length > 0)
    throw new SettingsError(
      origin,
      missing.map((key) => `${key}: missing`),
    );
  return patch as BotSettings;
}
