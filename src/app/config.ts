/**
 * Bot configuration: defaults < config file (--config) < environment (.env) < command-line flags.
 * Every problem is reported at start with the setting's name, what was wrong and how to fix it;
 * secrets are never echoed.
 */

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { getInstrument, SUPPORTED_SYMBOLS } from '../domain/instruments.ts';
import { ownValue } from '../domain/lookup.ts';
import { type BotSettings, SETTING_DECLARATIONS, SETTING_KEYS } from '../domain/settings.ts';
import { settingFlag } from '../settings/flags.ts';
import { parseSettingsPatch, SettingsError } from '../settings/schema.ts';
import type { SettingsLayer } from '../settings/source.ts';
import { type AccountConfig, parseAccounts } from './accounts.ts';
import { VENUE_KINDS } from './venues.ts';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`The bot's settings need fixing:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const brokerSchema = z.enum(VENUE_KINDS);

const configSchema = z.object({
  broker: brokerSchema,
  dryRun: z.boolean(),
  symbols: z.array(z.string()).min(1),
  accountId: z.string().min(1).optional(),
  /** Several accounts from one process (src/app/accounts.ts); empty: the one account of accountId. */
  accounts: z.array(z.custom<AccountConfig>()),
  host: z.string().min(1),
  port: z.number().int().min(0).max(65_535),
  databaseUrl: z.string().min(1).optional(),
  supabaseUrl: z.string().url().optional(),
  supabaseServiceRoleKey: z.string().min(1).optional(),
  /** Where default databases (data/db/<mode>) and the log file go (VALUEAREA_DATA_DIR; default ./data). */
  dataDir: z.string().min(1),
  /** An explicit PGlite folder (config file, PGLITE_DATA_DIR or PGLITE_DIR); unset: one folder per mode. */
  pgliteDir: z.string().min(1).optional(),
  webhook: z.boolean(),
  webhookSecret: z.string().min(8).optional(),
  demo: z.boolean(),
  demoIntervalMs: z.number().int().min(1_000),
  status: z.enum(['auto', 'tty', 'plain', 'off']),
  inspect: z.boolean(),
  inspectLog: z.string().min(1).optional(),
  flattenOnExit: z.boolean(),
  exitAfterMs: z.number().int().positive().optional(),
  gatewayUrl: z.string().url().optional(),
  protectiveStops: z.enum(['broker', 'bracket', 'local']),
  /** A broker position the bot does not know: adopt it into a ladder of its own, or flatten it. */
  unknownPositions: z.enum(['adopt', 'flatten']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  dashboardToken: z.string().min(8).optional(),
  notesCommand: z.string().optional(),
  discordWebhookUrl: z.string().url().optional(),
  telegramBotToken: z.string().min(1).optional(),
  telegramChatId: z.string().min(1).optional(),
  sweepIntervalMs: z
    .number()
    .int()
    .min(10_000)
    .max(10 * 60_000),
  flushIntervalMs: z.number().int().min(100).max(60_000),
  /** Start layers of the bot settings, lowest first (config file `settings`, VALUEAREA_SETTINGS, flags), each checked. */
  settingsLayers: z.array(z.object({ origin: z.string(), values: z.record(z.string(), z.unknown()) })),
});

export type BotConfig = z.infer<typeof configSchema> & { readonly settingsLayers: readonly SettingsLayer[] };

/** The "Trading settings" part of --help, from the declarations. */
function settingsUsage(): string {
  const lines = SETTING_KEYS.map((key) => {
    const d = SETTING_DECLARATIONS[key];
    const flag = `  --${settingFlag(key)} ${d.unit ? `<${d.unit}>` : '<value>'}`;
    return `${flag.padEnd(33)}${d.help} (default ${JSON.stringify(d.default)})`;
  });
  return `Trading settings (also in --config's "settings" object, VALUEAREA_SETTINGS JSON or the dashboard;
every one is listed in docs/settings.md):\n${lines.join('\n')}`;
}

/** A flag's text as the value the schema checks (numbers, booleans, lists); left as text when it is not one. */
function flagValue(key: keyof BotSettings, text: string): unknown {
  const { kind } = SETTING_DECLARATIONS[key];
  switch (kind.type) {
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'integer':
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'symbols':
    case 'choices':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => (kind.type === 'symbols' ? s.toUpperCase() : s));
    case 'dcaLevels':
      return safeJson(text);
    default:
      return text;
  }
}

export const USAGE = `Usage: npm start [-- options]     (or: npm run bot -- options)

Runs the valuearea bot. With no credentials it trades on the paper broker with the embedded
database (PGlite), a replayed demo market and a demo alert schedule.

Options:
  --broker ${VENUE_KINDS.join('|').padEnd(21)} where orders go (default paper; local = the local ProjectX gateway)
  --paper                        same as --broker paper
  --dry-run                      connect for real data, only log the orders it would send
  --symbol ES[,NQ…]              symbols to trade (default ES)
  --account-id ID                TopstepX account id (default: the first active account); several
                                 accounts: an "accounts" list in --config (docs/accounts.md)
  --config FILE                  JSON file with any of these settings (camelCase keys)
  --host ADDRESS / --port N      HTTP server for webhooks and the dashboard (default 127.0.0.1:8787)
  --database-url URL             a PostgreSQL server (or Supabase's direct connection) instead of PGlite
                                 (default: PGlite in data/db/<mode>: demo, paper, local, live-<account>)
  --no-webhook                   do not receive webhooks (alerts come from the database only)
  --demo / --no-demo             demo market and alerts (default on with the paper broker)
  --status auto|tty|plain|off    status: tty = the live screen; plain = one human line per change;
                                 auto (default) = the screen on a terminal, else a log line per change
  --inspect                      connect the Stately visual inspector (WebSocket)
  --inspect-log FILE             write every actor event to a JSONL file
  --flatten-on-exit              flatten open positions on Ctrl+C (default: keep them, protected)
  --protective-stops broker|bracket|local
                                 the stop on the broker: placed after the entry fills (default
                                 broker), riding on the entry order as a stop-loss bracket, active
                                 from the fill even if the bot is down (bracket; TopstepX: needs
                                 Auto OCO Brackets), or kept in memory only (local)
  --unknown-positions adopt|flatten
                                 a broker position the bot did not open: adopt it into a ladder of
                                 its own from the current profile (default), or flatten it
  --exit-after SECONDS           stop by itself after this long (demos, tests)
  --gateway-url URL              local gateway to use with --broker local (default: start one)
  --help                         this text

Environment (.env): DATABASE_URL, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, WEBHOOK_SECRET,
PROJECTX_USERNAME, PROJECTX_API_KEY, PROJECTX_API_URL, VALUEAREA_DATA_DIR, PGLITE_DATA_DIR, DASHBOARD_TOKEN, LLM_NOTES_COMMAND,
DISCORD_WEBHOOK_URL, TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID, LOG_LEVEL, VALUEAREA_SETTINGS (JSON).

${settingsUsage()}`;

const FLAG_OPTIONS = {
  broker: { type: 'string' },
  paper: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  symbol: { type: 'string' },
  'account-id': { type: 'string' },
  'unknown-positions': { type: 'string' },
  config: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'database-url': { type: 'string' },
  'no-webhook': { type: 'boolean' },
  demo: { type: 'boolean' },
  'no-demo': { type: 'boolean' },
  status: { type: 'string' },
  inspect: { type: 'boolean' },
  'inspect-log': { type: 'string' },
  'flatten-on-exit': { type: 'boolean' },
  'exit-after': { type: 'string' },
  'protective-stops': { type: 'string' },
  'gateway-url': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const SETTING_FLAG_OPTIONS = Object.fromEntries(
  SETTING_KEYS.map((key) => [settingFlag(key), { type: 'string' as const }]),
) as Record<string, { type: 'string' }>;

/** Names a trader sees for each setting: flag, environment variable or config key. */
const SETTING_NAMES: Record<string, string> = {
  broker: '--broker',
  symbols: '--symbol',
  port: '--port',
  host: '--host',
  databaseUrl: '--database-url / DATABASE_URL',
  supabaseUrl: 'SUPABASE_URL',
  supabaseServiceRoleKey: 'SUPABASE_SERVICE_ROLE_KEY',
  webhookSecret: 'WEBHOOK_SECRET',
  status: '--status',
  exitAfterMs: '--exit-after',
  protectiveStops: '--protective-stops',
  unknownPositions: '--unknown-positions',
  gatewayUrl: '--gateway-url',
  dashboardToken: 'DASHBOARD_TOKEN',
  logLevel: 'LOG_LEVEL',
  discordWebhookUrl: 'DISCORD_WEBHOOK_URL',
  telegramBotToken: 'TELEGRAM_BOT_TOKEN',
};

const HOW_TO_FIX: Record<string, string> = {
  broker: `use ${orList(VENUE_KINDS.map((k) => `--broker ${k}`))}`,
  port: 'use a whole number from 0 to 65535, e.g. --port 8787',
  webhookSecret: 'use a random value of at least 8 characters (e.g. `openssl rand -hex 16`)',
  dashboardToken: 'use a random value of at least 8 characters',
  status: 'use --status auto, tty, plain or off',
  exitAfterMs: 'give a number of seconds, e.g. --exit-after 60',
  protectiveStops: 'use --protective-stops broker, bracket or local',
  unknownPositions: 'use --unknown-positions adopt or flatten',
  supabaseUrl: 'use your project URL, e.g. https://abcd.supabase.co',
  gatewayUrl: 'use the URL the local gateway printed, e.g. http://127.0.0.1:5400',
  logLevel: 'use one of fatal, error, warn, info, debug, trace, silent',
};

export interface ParsedCommandLine {
  readonly help: boolean;
  readonly config: BotConfig;
}

/** Load `.env` into process.env (only variables not set already). */
export function loadDotEnv(path = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(path)) return;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!match?.[1] || line.trimStart().startsWith('#')) continue;
    const raw = match[2] ?? '';
    const value = raw.replace(/^(['"])(.*)\1$/, '$2');
    if (env[match[1]] === undefined) env[match[1]] = value;
  }
}

export function parseCommandLine(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedCommandLine {
  let parsed: ReturnType<
    typeof parseArgs<{ options: typeof FLAG_OPTIONS; strict: true; allowPositionals: false }>
  >;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...SETTING_FLAG_OPTIONS, ...FLAG_OPTIONS },
      strict: true,
      allowPositionals: false,
    }) as typeof parsed;
  } catch (error) {
    throw new ConfigError([
      `${(error as Error).message.replace(/\. To specify.*$/, '')}; run with --help to see the options`,
    ]);
  }
  const flags = parsed.values;
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  if (flags.config) {
    try {
      file = JSON.parse(readFileSync(flags.config, 'utf8')) as Record<string, unknown>;
      if (typeof file !== 'object' || file === null || Array.isArray(file))
        throw new Error('not a JSON object');
    } catch (error) {
      problems.push(
        `--config ${flags.config}: cannot read it as a JSON object (${(error as Error).message}); fix the file or drop --config`,
      );
      file = {};
    }
  }
  const number = (name: string, text: string | undefined, scale = 1): number | undefined => {
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value)) {
      problems.push(
        `${name}: "${text}" is not a number; ${HOW_TO_FIX[name === '--exit-after' ? 'exitAfterMs' : 'port']}`,
      );
      return undefined;
    }
    return Math.round(value * scale);
  };
  const broker = flags.paper ? 'paper' : (flags.broker ?? (file.broker as string | undefined) ?? 'paper');
  const hasCredentials = Boolean(env.PROJECTX_API_KEY && env.PROJECTX_USERNAME);
  const symbols = (
    flags.symbol ?? (Array.isArray(file.symbols) ? (file.symbols as string[]).join(',') : 'ES')
  )
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  for (const symbol of symbols) {
    if (!getInstrument(symbol)) {
      problems.push(
        `--symbol: ${symbol} is not a supported instrument; use one of ${SUPPORTED_SYMBOLS.join(', ')}`,
      );
    }
  }
  if (broker === 'topstepx' && !hasCredentials) {
    problems.push(
      '--broker topstepx needs PROJECTX_USERNAME and PROJECTX_API_KEY in .env (see docs/topstepx.md); or run without them on --broker paper',
    );
  }
  const flagSettings: Record<string, unknown> = {};
  const values = parsed.values as Record<string, unknown>;
  for (const key of SETTING_KEYS) {
    const text = values[settingFlag(key)];
    if (typeof text === 'string') flagSettings[key] = flagValue(key, text);
  }
  const settingsLayers: SettingsLayer[] = [];
  const layerSources: [string, unknown][] = [
    ['--config settings', file.settings],
    ['VALUEAREA_SETTINGS', env.VALUEAREA_SETTINGS ? safeJson(env.VALUEAREA_SETTINGS) : undefined],
    ['flags', Object.keys(flagSettings).length > 0 ? flagSettings : undefined],
  ];
  for (const [origin, raw] of layerSources) {
    if (raw === undefined) continue;
    try {
      settingsLayers.push({ origin, values: parseSettingsPatch(raw, origin) as Record<string, unknown> });
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      for (const problem of error.problems)
        problems.push(
          origin === 'flags'
            ? `--${problem.replace(/^(\w+):/, (_, k: string) => `${settingFlag(k)}:`)}`
            : `${origin}: ${problem}`,
        );
    }
  }
  let accounts: AccountConfig[] = [];
  const accountsRaw =
    file.accounts !== undefined
      ? { raw: file.accounts, origin: 'accounts' }
      : env.VALUEAREA_ACCOUNTS
        ? { raw: safeJson(env.VALUEAREA_ACCOUNTS), origin: 'VALUEAREA_ACCOUNTS' }
        : null;
  if (accountsRaw) {
    const parsedAccounts = parseAccounts(accountsRaw.raw, accountsRaw.origin);
    problems.push(...parsedAccounts.problems);
    accounts = parsedAccounts.accounts;
    if (flags['account-id'] !== undefined)
      problems.push(
        `--account-id: the ${accountsRaw.origin} list already names the accounts to trade; drop --account-id, or drop the list to trade one account`,
      );
  }
  const demoDefault = broker === 'paper' || broker === 'local';
  const candidate = {
    broker,
    dryRun: flags['dry-run'] ?? (file.dryRun as boolean | undefined) ?? false,
    symbols,
    // With a list, the first account names the database folder (data/db/live-<id>), as with one account.
    accountId:
      accounts[0]?.id ??
      flags['account-id'] ??
      (file.accountId as string | undefined) ??
      env.PROJECTX_ACCOUNT_ID,
    accounts,
    host: flags.host ?? (file.host as string | undefined) ?? env.HOST ?? '127.0.0.1',
    port:
      number('--port', flags.port ?? (file.port !== undefined ? String(file.port) : undefined) ?? env.PORT) ??
      8787,
    databaseUrl:
      flags['database-url'] ?? (file.databaseUrl as string | undefined) ?? (env.DATABASE_URL || undefined),
    supabaseUrl: env.SUPABASE_URL || undefined,
    supabaseServiceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY || undefined,
    dataDir:
      (file.dataDir as string | undefined) ?? (env.VALUEAREA_DATA_DIR || undefined) ?? DEFAULT_DATA_DIR,
    pgliteDir:
      (file.pgliteDir as string | undefined) ??
      (env.PGLITE_DATA_DIR || undefined) ??
      (env.PGLITE_DIR || undefined),
    webhook: !(flags['no-webhook'] ?? false) && ((file.webhook as boolean | undefined) ?? true),
    webhookSecret: env.WEBHOOK_SECRET || (file.webhookSecret as string | undefined) || undefined,
    demo: flags['no-demo'] ? false : (flags.demo ?? (file.demo as boolean | undefined) ?? demoDefault),
    demoIntervalMs: (file.demoIntervalMs as number | undefined) ?? 20_000,
    status: flags.status ?? (file.status as string | undefined) ?? 'auto',
    inspect: flags.inspect ?? false,
    inspectLog: flags['inspect-log'] ?? (file.inspectLog as string | undefined),
    flattenOnExit: flags['flatten-on-exit'] ?? (file.flattenOnExit as boolean | undefined) ?? false,
    exitAfterMs: number('--exit-after', flags['exit-after'], 1000),
    gatewayUrl: flags['gateway-url'] ?? (file.gatewayUrl as string | undefined),
    protectiveStops: flags['protective-stops'] ?? (file.protectiveStops as string | undefined) ?? 'broker',
    unknownPositions: flags['unknown-positions'] ?? (file.unknownPositions as string | undefined) ?? 'adopt',
    logLevel: env.LOG_LEVEL ?? (file.logLevel as string | undefined) ?? 'info',
    dashboardToken: env.DASHBOARD_TOKEN || undefined,
    notesCommand: env.LLM_NOTES_COMMAND ?? (file.notesCommand as string | undefined),
    discordWebhookUrl: env.DISCORD_WEBHOOK_URL || undefined,
    telegramBotToken: env.TELEGRAM_BOT_TOKEN || undefined,
    telegramChatId: env.TELEGRAM_CHAT_ID || undefined,
    sweepIntervalMs: (file.sweepIntervalMs as number | undefined) ?? 60_000,
    flushIntervalMs: (file.flushIntervalMs as number | undefined) ?? 5_000,
    settingsLayers,
  };
  const result = configSchema.safeParse(candidate);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? '');
      const name = ownValue(SETTING_NAMES, key) ?? key;
      const secret = /secret|key|token/i.test(key);
      const got = secret ? '' : ` (got ${JSON.stringify((candidate as Record<string, unknown>)[key])})`;
      problems.push(
        `${name}: ${issue.message}${got}${ownValue(HOW_TO_FIX, key) ? `; ${HOW_TO_FIX[key]}` : ''}`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (!result.success) throw new ConfigError(['invalid settings']);
  return { help: flags.help ?? false, config: result.data };
}

/** Where a run keeps its state by default: the demo, paper, local and each live account apart. */
export type DatabaseMode = 'demo' | 'paper' | 'local' | `live-${string}` | `dry-run-${string}`;

export function databaseMode(
  config: Pick<BotConfig, 'broker' | 'demo' | 'dryRun' | 'accountId'>,
): DatabaseMode {
  if (config.broker === 'paper') return config.demo ? 'demo' : 'paper';
  // The local gateway is a simulator whatever the price source: one folder for it.
  if (config.broker === 'local') return 'local';
  const account = (config.accountId ?? 'first-account').replace(/[^A-Za-z0-9_-]/g, '_');
  return config.dryRun ? `dry-run-${account}` : `live-${account}`;
}

/**
 * The database a run uses and how to say it on the start line. An explicit setting wins
 * (--database-url / DATABASE_URL, SUPABASE_URL, pgliteDir / PGLITE_DATA_DIR / PGLITE_DIR);
 * otherwise PGlite in <dataDir>/db/<mode>, so one mode never counts another's trades.
 */
export function databaseFor(
  config: Pick<
    BotConfig,
    'broker' | 'demo' | 'dryRun' | 'accountId' | 'dataDir' | 'pgliteDir' | 'databaseUrl' | 'supabaseUrl'
  >,
): {
  readonly mode: DatabaseMode;
  readonly pgliteDir: string;
  readonly explicit: boolean;
  readonly description: string;
  readonly logFile: string;
} {
  const mode = databaseMode(config);
  const pgliteDir = config.pgliteDir ?? join(config.dataDir, 'db', mode);
  // Beside an explicit folder (as before); otherwise data/valuearea.log for every mode.
  const logFile = join(config.pgliteDir ? dirname(config.pgliteDir) : config.dataDir, 'valuearea.log');
  if (config.databaseUrl)
    return {
      mode,
      pgliteDir,
      explicit: true,
      logFile,
      description: 'PostgreSQL from --database-url / DATABASE_URL (shared by every mode that uses it)',
    };
  if (config.supabaseUrl)
    return {
      mode,
      pgliteDir,
      explicit: true,
      logFile,
      description: 'Supabase from SUPABASE_URL (shared by every mode that uses it)',
    };
  return {
    mode,
    pgliteDir,
    explicit: config.pgliteDir !== undefined,
    logFile,
    description: config.pgliteDir
      ? `embedded database in ${pgliteDir} (set explicitly)`
      : `embedded database in ${pgliteDir} (this mode's own)`,
  };
}

/** The folder under which default databases and the log file live, unless VALUEAREA_DATA_DIR moves it. */
const DEFAULT_DATA_DIR = './data';

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return 'not JSON';
  }
}

/** "a, b or c" */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}
