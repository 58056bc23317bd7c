/**
 * Hashing, constant-time secret comparison and secret redaction for alert intake.
 * Web APIs only (TextEncoder, crypto.subtle): runs unchanged in Node 20 and Deno.
 */

const encoder = new TextEncoder();

export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Compare a presented secret with the expected one in constant time: both are hashed first, so the
 * comparison loop always runs over 32 bytes whatever the lengths, and length leaks nothing.
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export const REDACTED = '[redacted]';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const patterns = new Map<string, { jsonMember: RegExp; pair: RegExp }>();

function patternsFor(fieldNames: readonly string[]): { jsonMember: RegExp; pair: RegExp } {
  const cacheKey = fieldNames.join('\n');
  let p = patterns.get(cacheKey);
  if (!p) {
    const names = fieldNames.map(escapeRegExp).join('|');
    p = {
      jsonMember: new RegExp(`("(?:${names})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|[^,}\\]\\s]+)`, 'gi'),
      pair: new RegExp(`(^|[\\s&,;?])((?:${names})\\s*=\\s*)([^\\s&,;]*)`, 'gi'),
    };
    patterns.set(cacheKey, p);
  }
  return p;
}

/**
 * Replace the values of secret-named fields in a raw body with "[redacted]": JSON members
 * (`"token": "…"` or bare values), key=value pairs, and any literal occurrence of a known secret.
 */
export function redactSecrets(
  raw: string,
  fieldNames: readonly string[],
  knownSecrets: readonly string[],
): string {
  let text = raw;
  if (fieldNames.length > 0) {
    const { jsonMember, pair } = patternsFor(fieldNames);
    text = text.replace(jsonMember, `$1"${REDACTED}"`);
    text = text.replace(pair, `$1$2${REDACTED}`);
  }
  for (const secret of knownSecrets) {
    if (secret.length === 0) continue;
    text = text.split(secret).join(REDACTED);
    // Inside a JSON string the secret appears escaped (a quote as \", a backslash as \\).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) text = text.split(escaped).join(REDACTED);
  }
  return text;
}
