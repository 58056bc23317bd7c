/**
 * The relay's settings from environment variables (Supabase secrets). Read through a getter so
 * the same code runs under Deno (`Deno.env.get`) and in Node tests. A bad or missing value is not
 * thrown: it becomes a `problem`, and the relay answers every request 503 with that message, so a
 * misconfigured deployment says what to fix instead of crashing at boot.
 *
 * Storage: WEBHOOK_STORAGE=supabase-js|postgres chooses explicitly. Otherwise supabase-js when
 * SUPABASE_URL and a service key are present (hosted Supabase injects both), else a direct
 * connection when SUPABASE_DB_URL is set (self-hosted, or a plain Deno process). Hosted Supabase
 * injects SUPABASE_DB_URL into every function too, so its mere presence cannot be the switch there.
 */
import type { IntakeConfig } from '../../../src/intake/index.ts';

export type EnvGetter = (name: string) => string | undefined;

export type RelayStorage =
  | { readonly kind: 'supabase-js'; readonly url: string; readonly serviceRoleKey: string }
  | { readonly kind: 'postgres'; readonly databaseUrl: string };

export interface RelayConfig {
  readonly intake: IntakeConfig;
  readonly storage: RelayStorage | undefined;
  readonly storeTimeoutMs: number;
  /** Every configuration error, each naming the variable and the fix; empty when ready. */
  readonly problems: readonly string[];
}

const STORAGE_KINDS = ['supabase-js', 'postgres'] as const;

export function relayConfigFromEnv(get: EnvGetter): RelayConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const v = get(name)?.trim();
    return v ? v : undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name}="${raw}" is not a whole number from ${min} to ${max} — fix or unset it`);
      return fallback;
    }
    return n;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name}="${raw}" is not true or false — fix or unset it`);
    return fallback;
  };

  // Secrets are not trimmed of inner characters, only of surrounding whitespace from copy and paste.
  const secrets = [text('WEBHOOK_SECRET'), text('WEBHOOK_SECRET_PREVIOUS')].filter(
    (s): s is string => s !== undefined,
  );
  if (!text('WEBHOOK_SECRET')) {
    problems.push(
      'WEBHOOK_SECRET is not set — run `supabase secrets set WEBHOOK_SECRET=<a long random string>` and put the same secret in the TradingView webhook URL',
    );
  }
  const pipeFields = text('WEBHOOK_PIPE_FIELDS')
    ?.split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');

  const intake: IntakeConfig = {
    secrets,
    maxLagMs: integer('WEBHOOK_MAX_LAG_MS', 60_000, 1_000, 3_600_000),
    allowMissingTime: flag('WEBHOOK_ALLOW_MISSING_TIME', true),
    allowScaleIn: flag('WEBHOOK_ALLOW_SCALE_IN', true),
    ...(pipeFields && pipeFields.length > 0 ? { pipeFields } : {}),
  };

  return {
    intake,
    storage: chooseStorage(text, problems),
    storeTimeoutMs: integer('WEBHOOK_STORE_TIMEOUT_MS', 2_500, 100, 2_900),
    problems,
  };
}

function chooseStorage(
  text: (name: string) => string | undefined,
  problems: string[],
): RelayStorage | undefined {
  const choice = text('WEBHOOK_STORAGE')?.toLowerCase();
  const url = text('SUPABASE_URL');
  const key = text('SUPABASE_SERVICE_ROLE_KEY') ?? secretKeyFrom(text('SUPABASE_SECRET_KEYS'));
  const databaseUrl = text('SUPABASE_DB_URL');
  if (choice !== undefined && !(STORAGE_KINDS as readonly string[]).includes(choice)) {
    problems.push(`WEBHOOK_STORAGE="${choice}" is not supabase-js or postgres — fix or unset it`);
    return undefined;
  }
  const wantsPostgres = choice === 'postgres' || (choice === undefined && !(url && key) && databaseUrl);
  if (wantsPostgres) {
    if (databaseUrl) return { kind: 'postgres', databaseUrl };
    problems.push(
      'WEBHOOK_STORAGE=postgres needs SUPABASE_DB_URL (postgres://user:password@host:5432/postgres)',
    );
    return undefined;
  }
  if (url && key) return { kind: 'supabase-js', url, serviceRoleKey: key };
  problems.push(
    url
      ? 'SUPABASE_URL is set but no service key — set SUPABASE_SERVICE_ROLE_KEY (Supabase sets it for deployed functions)'
      : 'no storage — set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (Supabase sets them for deployed functions), or SUPABASE_DB_URL',
  );
  return undefined;
}

/** SUPABASE_SECRET_KEYS (new API keys) is a JSON object of named secret keys; take "default", else the first. */
function secretKeyFrom(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const keys = JSON.parse(raw) as unknown;
    if (keys === null || typeof keys !== 'object') return undefined;
    const record = keys as Record<string, unknown>;
    const value = record['default'] ?? Object.values(record)[0];
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}
