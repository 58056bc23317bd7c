/**
 * Alert body grammars: UTF-8 decoding, JSON (tried first, whatever the Content-Type says),
 * `key=value` text and the optional pipe-delimited positional grammar. Each returns either a
 * field tree or a rejection that names the problem and the fix. Web APIs only.
 */

export type FieldValue = string | number | boolean | null | FieldTree | FieldValue[];
export interface FieldTree {
  [name: string]: FieldValue;
}

export type BodyGrammar = 'json' | 'key-value' | 'pipe';

export type ParsedBody =
  | { readonly ok: true; readonly grammar: BodyGrammar; readonly fields: FieldTree }
  | { readonly ok: false; readonly status: 400 | 422; readonly error: string; readonly field?: string };

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decode bytes as UTF-8, refusing invalid sequences instead of inserting U+FFFD. */
export function decodeUtf8(
  body: Uint8Array | string,
): { ok: true; text: string } | { ok: false; error: string } {
  if (typeof body === 'string') return { ok: true, text: body };
  try {
    return { ok: true, text: strictDecoder.decode(body) };
  } catch {
    return {
      ok: false,
      error: 'the body is not valid UTF-8 — send the alert message as UTF-8 text (TradingView always does)',
    };
  }
}

/** Line and column (1-based) of a character offset, for error messages. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else column++;
  }
  return `line ${line}, column ${column}`;
}

function jsonErrorWhere(text: string): string {
  const offset = jsonErrorOffset(text);
  return offset === undefined ? '' : ` at ${lineColumn(text, offset)}`;
}

/**
 * Offset of the first character where `text` stops being valid JSON. Engines word (and sometimes
 * omit) positions differently, so a small scanner finds it; it runs only on bodies that failed to parse.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const value = (depth: number): boolean => {
    if (depth > 500) return false;
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"' || !string()) return false;
          ws();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!value(depth + 1)) return false;
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return true;
        }
        return false;
      }
    }
    if (c === '"') return string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i++;
        return true;
      }
      if (c === '\\') {
        const m = /^\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/.exec(text.slice(i, i + 6));
        if (!m) return false;
        i += m[0].length;
        continue;
      }
      if ((c ?? '').charCodeAt(0) < 0x20) return false;
      i++;
    }
    return false;
  };
  if (!value(0)) return Math.min(i, text.length);
  ws();
  return i < text.length ? i : undefined;
}

function parseJson(text: string): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      status: 400,
      error: `the body looks like JSON but does not parse${jsonErrorWhere(text)} — a bare placeholder such as {{close}} probably rendered empty or non-numeric, or a value holds an unescaped quote; quote the placeholder ("price": "{{close}}") and check the template in a JSON validator`,
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      status: 400,
      error: 'the body is JSON but not an object — send one object such as {"symbol":"ES1!","action":"buy"}',
    };
  }
  return { ok: true, grammar: 'json', fields: value as FieldTree };
}

/** `key=value` pairs, one per line or separated by `&`, `,`, `;` or spaces. Every piece must be a pair. */
function parseKeyValue(text: string): ParsedBody | undefined {
  // A space before `name=` also separates pairs (`ticker=ES1! action=sell`); other spaces stay in the value.
  const pieces = text
    .split(/[\r\n&,;]+|[ \t]+(?=[A-Za-z_][A-Za-z0-9_.]*=)/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  if (pieces.length === 0) return undefined;
  // No prototype: a field named "constructor" or "__proto__" is just a field.
  const fields: FieldTree = Object.create(null);
  for (const piece of pieces) {
    const eq = piece.indexOf('=');
    if (eq <= 0) return undefined;
    const name = piece.slice(0, eq).trim().toLowerCase();
    const value = piece.slice(eq + 1).trim();
    if (!/^[a-z_][a-z0-9_.]*$/.test(name)) return undefined;
    if (Object.hasOwn(fields, name)) {
      return {
        ok: false,
        status: 422,
        field: name,
        error: `field "${name}" appears twice in the key=value body — send each field once`,
      };
    }
    fields[name] = value;
  }
  return { ok: true, grammar: 'key-value', fields };
}

/** Positional fields separated by `|`, named by the route's `pipeFields` (e.g. secret|strategy|action|ticker). */
function parsePipe(text: string, names: readonly string[]): ParsedBody {
  const parts = text
    .trim()
    .split('|')
    .map((p) => p.trim());
  if (parts.length !== names.length) {
    return {
      ok: false,
      status: 422,
      error: `the pipe-delimited body has ${parts.length} fields but this route expects ${names.length} (${names.join('|')}) — match the alert message to that order`,
    };
  }
  const fields: FieldTree = Object.create(null);
  names.forEach((name, i) => {
    fields[name] = parts[i] ?? '';
  });
  return { ok: true, grammar: 'pipe', fields };
}

export interface BodyGrammarOptions {
  /** Field names of the pipe-delimited grammar, in order; undefined = grammar off for this route. */
  readonly pipeFields?: readonly string[] | undefined;
  /** Accept `key=value` text (default on). */
  readonly keyValue?: boolean | undefined;
}

/** Parse a decoded, non-empty body: JSON first, then the text grammars the route allows. */
export function parseBody(text: string, options: BodyGrammarOptions): ParsedBody {
  const trimmed = text.trim();
  const first = trimmed[0];
  if (first === '{' || first === '[' || first === '"') return parseJson(trimmed);
  // A bare JSON scalar (number, true, null) is not an alert.
  if (/^(-?\d[\d.eE+-]*|true|false|null)$/.test(trimmed)) return parseJson(trimmed);

  if (options.pipeFields && trimmed.includes('|')) return parsePipe(trimmed, options.pipeFields);
  if (options.keyValue !== false) {
    const kv = parseKeyValue(trimmed);
    if (kv) return kv;
  }
  const grammars = ['JSON'];
  if (options.keyValue !== false) grammars.push('key=value lines');
  if (options.pipeFields) grammars.push(`pipe-delimited ${options.pipeFields.join('|')}`);
  const pipeHint =
    !options.pipeFields && trimmed.includes('|')
      ? ' (pipe-delimited text is off for this route; enable pipeFields to accept it)'
      : '';
  return {
    ok: false,
    status: 400,
    error: `the body is not in a format this route accepts${pipeHint} — send ${grammars.join(' or ')}, e.g. {"symbol":"{{ticker}}","action":"buy","time":"{{timenow}}"}`,
  };
}
