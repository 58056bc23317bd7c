/**
 * Secret redaction for logs and errors: by key name (fields called apiKey, token, password …) and by
 * value (the actual secrets the process holds, registered at start), so a secret that slips into a
 * message string, an error text or a URL is still replaced by "[redacted]".
 */

export const REDACTED = '[redacted]';

/** Values shorter than this are not registered: redacting "abc" everywhere would wreck the logs. */
export const MIN_SECRET_LENGTH = 6;

/** Normalised key names (lowercase, no `_`/`-`) that always hold secrets. */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'key',
  'apikey',
  'token',
  'passphrase',
  'secret',
  'password',
  'authorization',
  'cookie',
  'setcookie',
  'accesstoken',
  'refreshtoken',
  'servicerolekey',
  'supabaseservicerolekey',
  'projectxapikey',
  'webhooksecret',
  'webhookurl',
  'bottoken',
  'privatekey',
]);

/** Suffixes that mark a key as secret (`discordWebhookUrl`, `telegramBotToken`, `alertSecret` …). */
const SECRET_SUFFIXES: readonly string[] = [
  'apikey',
  'token',
  'secret',
  'password',
  'passphrase',
  'servicerolekey',
  'webhookurl',
  'privatekey',
];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[_\-\s]/g, '');
}

/** True when a field of this name must never be logged. */
export function isSecretKey(key: string): boolean {
  const k = normaliseKey(key);
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

/** `scheme://user:password@host`: the password part, whoever's it is (DATABASE_URL and friends). */
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:)([^@/?#\s]+)@/gi;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms a secret value takes in output: raw, JSON-escaped, URL-encoded. */
function formsOf(value: string): string[] {
  const forms = new Set<string>([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** Known secret values; one instance per process is the usual case (see `defaultSecrets`). */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** Remember a secret value; short or empty values are ignored (see MIN_SECRET_LENGTH). */
  register(value: string | undefined | null): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    const forms = [...this.values].flatMap(formsOf);
    // Longest first so that a secret containing another is replaced whole.
    forms.sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }

  get size(): number {
    return this.values.size;
  }

  /** Replace every registered secret (in any of its forms) and any password inside a URL. */
  scrub(text: string): string {
    let out = text.includes('@') ? text.replace(URL_PASSWORD, `$1${REDACTED}@`) : text;
    if (this.pattern === null) return out;
    this.pattern.lastIndex = 0;
    if (this.pattern.test(out)) out = out.replace(this.pattern, REDACTED);
    return out;
  }
}

/** The process-wide registry the loggers use unless given another. */
export const defaultSecrets = new SecretRegistry();

/** Register a secret value with the process-wide registry (call at start for every credential). */
export function registerSecret(value: string | undefined | null): void {
  defaultSecrets.register(value);
}

/**
 * Register the values of secret-named variables (PROJECTX_API_KEY, SUPABASE_SERVICE_ROLE_KEY,
 * TELEGRAM_BOT_TOKEN, DISCORD_WEBHOOK_URL, WEBHOOK_SECRET …) and the passwords inside URL values.
 */
export function registerSecretsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  registry: SecretRegistry = defaultSecrets,
): void {
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || value === '') continue;
    if (isSecretKey(key)) registry.register(value);
    const password = /^[a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*:([^@/?#\s]+)@/i.exec(value)?.[1];
    if (password !== undefined) {
      registry.register(password);
      try {
        registry.register(decodeURIComponent(password));
      } catch {
        // Not percent-encoded: the raw form is registered already.
      }
    }
  }
}

/** Scrub registered secrets from a string (for error texts shown outside the logger). */
export function scrubSecrets(text: string, registry: SecretRegistry = defaultSecrets): string {
  return registry.scrub(text);
}

/**
 * A copy of `value` with secret-named fields replaced and registered values scrubbed from strings.
 * Errors become plain objects ({ type, message, stack, code, cause }) so nothing is lost in JSON.
 */
export function redactDeep(value: unknown, registry: SecretRegistry = defaultSecrets, depth = 0): unknown {
  if (typeof value === 'string') return registry.scrub(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 12) return '[too deep]';
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, registry, depth + 1));
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { type: value.name, message: value.message, stack: value.stack };
    for (const [k, v] of Object.entries(value)) plain[k] = v;
    if (value.cause !== undefined) plain.cause = value.cause;
    return redactDeep(plain, registry, depth);
  }
  if (value instanceof Date || value instanceof URL) return registry.scrub(value.toString());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      isSecretKey(k) && v !== null && v !== undefined && v !== ''
        ? REDACTED
        : redactDeep(v, registry, depth + 1);
  }
  return out;
}
