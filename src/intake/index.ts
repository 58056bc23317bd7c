/**
 * Alert intake core, shared by the bot's Node receiver and the Supabase Edge Function (Deno).
 * Dependency-free: standard Web APIs only (TextEncoder/TextDecoder, crypto.subtle, URL).
 *
 *   intakeAlert(request, config) → accepted | ignored (stale) | rejected (4xx with a fix)
 *
 * Steps: size → UTF-8 → not empty → grammar (JSON first, whatever the Content-Type) → secret
 * (constant time) → leftover {{…}} → dialect fields → action/position consistency → instrument →
 * time (stale / future) → idempotency key. Nothing is half-accepted: any failing step rejects the
 * whole alert. The body handed back for storage has every secret replaced by "[redacted]".
 * See docs/alerts.md for the dialects and every choice made here.
 */

import type { NormalizedAlert } from '../domain/alert.ts';
import { ownValue } from '../domain/lookup.ts';
import type { AlertAction } from '../domain/types.ts';
import { decodeUtf8, parseBody } from './body.ts';
import { REDACTED, redactSecrets, secretsEqual, sha256Hex } from './crypto.ts';
import { detectDialect } from './dialects/index.ts';
import {
  conflicting,
  type FlatFields,
  flatten,
  pick,
  readNumber,
  readQuantity,
  readText,
  readTime,
} from './fields.ts';
import { resolveAlertTicker, type TickerResult } from './ticker.ts';

export type { NormalizedAlert } from '../domain/alert.ts';
export type { TickerMatch, TickerResult } from './ticker.ts';

export interface IntakeRequest {
  readonly body: Uint8Array | string;
  readonly contentType?: string | undefined;
  /** Secret from the URL path (`/webhook/tradingview/<token>`) or query string. */
  readonly pathToken?: string | undefined;
  readonly sourceAddress?: string | undefined;
  /** Arrival time, epoch ms (the receiver's clock; the core never reads one). */
  readonly receivedAt: number;
}

export interface IntakeConfig {
  /** Accepted shared secrets (several allow rotation). Empty/undefined: no secret required (IP allow-list or client certificate). */
  readonly secrets?: readonly string[] | undefined;
  /** Body fields that may carry the secret. Default: passphrase, secret, token. */
  readonly secretFields?: readonly string[] | undefined;
  /** Positional names of the pipe-delimited grammar, e.g. ['secret','strategy','action','ticker']; off when undefined. */
  readonly pipeFields?: readonly string[] | undefined;
  /** Accept key=value text. Default true. */
  readonly keyValue?: boolean | undefined;
  /** Default 65,536 bytes. */
  readonly maxBodyBytes?: number | undefined;
  /** Alerts fired longer ago than this are ignored as stale. Default 60 s. */
  readonly maxLagMs?: number | undefined;
  /** Fire times further in the future than this are rejected. Default 10 s. */
  readonly maxClockSkewMs?: number | undefined;
  /** Accept templates without any time field (key = body hash + receive-time bucket). Default true; false refuses them with 422. */
  readonly allowMissingTime?: boolean | undefined;
  /** Width of the de-duplication bucket for alerts without a time. Default 60 s. */
  readonly missingTimeBucketMs?: number | undefined;
  /** Accept `add` (scale in). Default true. */
  readonly allowScaleIn?: boolean | undefined;
  /** Ticker resolver; default: the domain's instrument table. `now` decides one-digit years and expiry. */
  readonly resolveTicker?: ((ticker: string, now: number) => TickerResult) | undefined;
}

export type IntakeStatus = 400 | 401 | 403 | 413 | 422;

export interface IntakeAccepted {
  readonly ok: true;
  /** 'ignored': parsed fine but not to be acted on (stale); `reason` says why. */
  readonly outcome: 'accepted' | 'ignored';
  readonly key: string;
  readonly alert: NormalizedAlert;
  readonly reason: string | null;
  /** The raw body with secrets redacted: what gets stored. */
  readonly storedBody: string;
  readonly warnings: readonly string[];
}

export interface IntakeRejected {
  readonly ok: false;
  readonly status: IntakeStatus;
  readonly field?: string;
  /** "<what is wrong> — <how to fix>"; never contains a secret. */
  readonly error: string;
  /** Key under which the rejection is recorded (unique per delivery). */
  readonly key: string;
  readonly storedBody: string;
  /** False for authentication failures: an unauthenticated sender never writes to our database. */
  readonly store: boolean;
  readonly warnings: readonly string[];
}

export type IntakeResult = IntakeAccepted | IntakeRejected;

export const DEFAULT_SECRET_FIELDS: readonly string[] = ['passphrase', 'secret', 'token'];
export const DEFAULT_MAX_BODY_BYTES = 65_536;
const KEY_HEX_LENGTH = 24;
const utf8 = new TextEncoder();

const ALIASES = {
  action: [
    'action',
    'signal',
    'data',
    'strategy.order.action',
    'strategy.order_action',
    'order_action',
    'order.action',
  ],
  ticker: ['symbol', 'ticker', 'instrument'],
  quantity: [
    'quantity',
    'qty',
    'size',
    'contracts',
    'order.contracts',
    'strategy.order.contracts',
    'strategy.order_contracts',
    'order_contracts',
  ],
  price: [
    'price',
    'limitprice',
    'signalprice',
    'order.price',
    'strategy.order.price',
    'strategy.order_price',
    'order_price',
    'close',
    'bar.close',
  ],
  strategy: ['strategy', 'strategy_name', 'strategyname', 'strategy.name'],
  orderId: ['order.id', 'strategy.order.id', 'strategy.order_id', 'order_id', 'orderid'],
  marketPosition: ['market_position', 'sentiment', 'strategy.market_position', 'marketposition'],
  positionSize: ['position_size', 'strategy.position_size', 'positionsize'],
  marketPositionSize: ['market_position_size', 'strategy.market_position_size'],
  prevMarketPosition: ['prev_market_position', 'strategy.prev_market_position'],
  prevSize: ['prev_position_size', 'prev_market_position_size', 'strategy.prev_market_position_size'],
  explicitKey: ['key', 'id', 'alert_id', 'idempotency_key'],
} as const;

const ACTION_WORDS: Readonly<Record<string, AlertAction>> = {
  buy: 'buy',
  sell: 'sell',
  close: 'close',
  exit: 'close',
  flat: 'close',
  flatten: 'close',
  cancel: 'cancel',
  add: 'add',
};

type Position = 'long' | 'short' | 'flat';

class Rejection {
  constructor(
    readonly status: IntakeStatus,
    readonly error: string,
    readonly field?: string,
  ) {}
}

function fail(status: IntakeStatus, error: string, field?: string): never {
  throw new Rejection(status, error, field);
}

function unwrap<T>(
  r: { ok: true; value: T | undefined } | { ok: false; field: string; error: string },
): T | undefined {
  if (!r.ok) fail(422, r.error, r.field);
  return r.value;
}

export async function intakeAlert(request: IntakeRequest, config: IntakeConfig = {}): Promise<IntakeResult> {
  const secrets = (config.secrets ?? []).filter((s) => s.length > 0);
  const secretFields = (config.secretFields ?? DEFAULT_SECRET_FIELDS).map((f) => f.toLowerCase());
  const redactFields = [...new Set([...secretFields, ...DEFAULT_SECRET_FIELDS, 'secret'])];
  const warnings: string[] = [];
  let storedBody = '';
  let store = true;

  const reject = async (r: Rejection): Promise<IntakeRejected> => {
    const error = scrub(r.error, secrets, request.pathToken);
    const key = `r_${(await sha256Hex(`${request.receivedAt}|${request.sourceAddress ?? ''}|${error}|${storedBody}`)).slice(0, KEY_HEX_LENGTH)}`;
    const base = { ok: false as const, status: r.status, error, key, storedBody, store, warnings };
    return r.field === undefined ? base : { ...base, field: r.field };
  };

  // Failures found before the body can be read (too large, not UTF-8, empty) are recorded only when
  // the sender is proven by the URL secret, or the route needs none: a public URL must not let
  // strangers write rows.
  const unreadBody = async (status: IntakeStatus, error: string): Promise<never> => {
    store = secrets.length === 0 || (await provenByPath(request.pathToken, secrets));
    fail(status, error);
  };

  try {
    const size = typeof request.body === 'string' ? utf8.encode(request.body).length : request.body.length;
    const maxBytes = config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (size > maxBytes) {
      return await unreadBody(
        413,
        `the body is ${size} bytes, more than the ${maxBytes}-byte limit — shorten the alert message to the fields the bot needs`,
      );
    }
    const decoded = decodeUtf8(request.body);
    if (!decoded.ok) return await unreadBody(400, decoded.error);
    const text = decoded.text;
    const pipeFields = config.pipeFields?.map((f) => f.toLowerCase());
    storedBody = redactSecrets(text, redactFields, secrets);
    if (pipeFields) storedBody = redactPipe(storedBody, pipeFields, redactFields);
    if (text.trim() === '') {
      return await unreadBody(
        400,
        'the body is empty — put the alert message (JSON such as {"symbol":"{{ticker}}","action":"buy"}) in the TradingView "Message" box',
      );
    }

    const parsed = parseBody(text, { pipeFields, keyValue: config.keyValue });
    const fields = parsed.ok ? flatten(parsed.fields) : undefined;

    if (secrets.length > 0) {
      store = false;
      await authenticate(request.pathToken, fields, secretFields, secrets, parsed.ok);
      store = true;
    }

    const placeholder = /\{\{\s*([^}]{0,60}?)\s*\}\}/.exec(text);
    if (placeholder || text.includes('{{')) {
      const name = placeholder ? `{{${placeholder[1]}}}` : '"{{"';
      fail(
        422,
        `the body still contains ${name} — TradingView did not substitute it: check its spelling, and use {{strategy.*}} placeholders only in strategy alerts`,
      );
    }
    if (!parsed.ok) fail(parsed.status, parsed.error, parsed.field);
    if (!fields) fail(400, 'the body could not be read');

    const dialect = parsed.grammar === 'json' ? detectDialect(fields, parsed.fields) : parsed.grammar;
    const alert = await normalise(fields, dialect, text, request, config, secretFields, warnings);
    const lag = alert.firedAt === undefined ? undefined : request.receivedAt - alert.firedAt;
    const maxLag = config.maxLagMs ?? 60_000;
    if (lag !== undefined && lag > maxLag) {
      const reason = `ignored: stale — fired ${seconds(lag)} before it arrived, maximum lag ${seconds(maxLag)}`;
      return { ok: true, outcome: 'ignored', key: alert.key, alert, reason, storedBody, warnings };
    }
    return { ok: true, outcome: 'accepted', key: alert.key, alert, reason: null, storedBody, warnings };
  } catch (err) {
    if (err instanceof Rejection) return reject(err);
    // A parser bug must not escape as a 500 or a half-parsed alert.
    return reject(
      new Rejection(400, 'the body could not be processed — check it against the formats in docs/alerts.md'),
    );
  }
}

/** True when the URL path token matches one of the secrets (constant time, every secret compared). */
export async function provenByPath(
  pathToken: string | undefined,
  secrets: readonly string[],
): Promise<boolean> {
  if (!pathToken) return false;
  let match = false;
  for (const s of secrets) if (s.length > 0 && (await secretsEqual(pathToken, s))) match = true;
  return match;
}

/** Remove the configured secrets and the path token from a message. */
function scrub(message: string, secrets: readonly string[], pathToken: string | undefined): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join(REDACTED);
  // A presented (possibly wrong) token of a few characters reveals nothing and would garble the message.
  if (pathToken && pathToken.length >= 4) out = out.split(pathToken).join(REDACTED);
  return out;
}

function redactPipe(body: string, pipeFields: readonly string[], secretFields: readonly string[]): string {
  if (!body.includes('|')) return body;
  const parts = body.split('|');
  pipeFields.forEach((name, i) => {
    if (secretFields.includes(name) && i < parts.length) parts[i] = REDACTED;
  });
  return parts.join('|');
}

async function authenticate(
  pathToken: string | undefined,
  fields: FlatFields | undefined,
  secretFields: readonly string[],
  secrets: readonly string[],
  parsed: boolean,
): Promise<void> {
  let presented: string | undefined;
  if (pathToken !== undefined && pathToken !== '') presented = pathToken;
  else if (fields) {
    const hit = pick(fields, secretFields);
    if (hit && (typeof hit.value === 'string' || typeof hit.value === 'number'))
      presented = String(hit.value).trim();
  }
  if (presented === undefined || presented === '') {
    fail(
      401,
      `no secret — put it in the webhook URL (/webhook/tradingview/<secret>) or in a body field (${secretFields.join(', ')})${parsed ? '' : '; the body did not parse, so no field of it could be read'}`,
    );
  }
  let match = false;
  // Compare with every configured secret so the time taken does not reveal which one matched.
  for (const s of secrets) if (await secretsEqual(presented, s)) match = true;
  if (!match)
    fail(403, 'the secret does not match — copy the secret from the bot settings into the alert again');
}

function readAction(fields: FlatFields): AlertAction {
  const clash = conflicting(fields, ALIASES.action);
  if (clash) fail(422, `the action fields ${clash.join(', ')} disagree — send one action field`, clash[0]);
  const r = readText(fields, ALIASES.action);
  const word = unwrap(r);
  if (word === undefined) {
    fail(
      422,
      'no action — add "action": "buy" (or "{{strategy.order.action}}"); accepted words: buy, sell, close, exit, flat, cancel, add',
      'action',
    );
  }
  const action = ownValue(ACTION_WORDS, word.toLowerCase());
  if (!action) {
    fail(
      422,
      `action "${word.slice(0, 40)}" is not known — use buy, sell, close (or exit/flat), cancel or add`,
      r.ok ? r.field : 'action',
    );
  }
  return action;
}

function readPosition(fields: FlatFields, aliases: readonly string[]): Position | undefined {
  const clash = conflicting(fields, aliases);
  if (clash) fail(422, `the position fields ${clash.join(', ')} disagree — send one`, clash[0]);
  const r = readText(fields, aliases);
  const word = unwrap(r)?.toLowerCase();
  if (word === undefined) return undefined;
  if (word === 'long' || word === 'short' || word === 'flat') return word;
  fail(
    422,
    `market position "${word.slice(0, 40)}" is not long, short or flat — use "{{strategy.market_position}}"`,
    r.ok ? r.field : aliases[0],
  );
}

function signOf(position: Position): number {
  return position === 'long' ? 1 : position === 'short' ? -1 : 0;
}

async function normalise(
  fields: FlatFields,
  dialect: string,
  text: string,
  request: IntakeRequest,
  config: IntakeConfig,
  secretFields: readonly string[],
  warnings: string[],
): Promise<NormalizedAlert> {
  let action = readAction(fields);
  if (action === 'add' && config.allowScaleIn === false) {
    fail(
      422,
      'action "add" (scale in) is disabled for this route — send buy or sell, or enable scaling in',
      'action',
    );
  }

  // Target position: market_position / sentiment, and the signed position_size.
  let marketPosition = readPosition(fields, ALIASES.marketPosition);
  const positionSize = unwrap(readNumber(fields, ALIASES.positionSize, 'position size'));
  if (positionSize !== undefined) {
    const fromSign: Position = positionSize > 0 ? 'long' : positionSize < 0 ? 'short' : 'flat';
    if (marketPosition !== undefined && marketPosition !== fromSign) {
      fail(
        422,
        `position_size ${positionSize} means ${fromSign} but market_position is "${marketPosition}" — send "{{strategy.position_size}}" and "{{strategy.market_position}}" from the same strategy alert`,
        'position_size',
      );
    }
    marketPosition = fromSign;
  }
  if (marketPosition !== undefined) {
    if (
      (action === 'buy' && marketPosition === 'short') ||
      (action === 'sell' && marketPosition === 'long')
    ) {
      fail(
        422,
        `action "${action}" contradicts market position "${marketPosition}" (a partial exit is not supported) — send the strategy's own {{strategy.order.action}} and {{strategy.market_position}}, or close with "action": "close"`,
        'market_position',
      );
    }
    if (action === 'close' && marketPosition !== 'flat') {
      fail(
        422,
        `action "close" contradicts market position "${marketPosition}" — a close must leave the position flat`,
        'market_position',
      );
    }
    // A buy or sell that leaves the strategy flat is an exit.
    if ((action === 'buy' || action === 'sell') && marketPosition === 'flat') action = 'close';
  }

  const quantity = unwrap(readQuantity(fields, ALIASES.quantity));
  const price = unwrap(readNumber(fields, ALIASES.price, 'price'));
  checkPositionChange(fields, marketPosition, positionSize, quantity, warnings);

  // Instrument.
  const tickerRead = readText(fields, ALIASES.ticker);
  const ticker = unwrap(tickerRead);
  if (ticker === undefined) fail(422, 'no instrument — add "symbol": "{{ticker}}"', 'symbol');
  const resolve = config.resolveTicker ?? resolveAlertTicker;
  const resolved = resolve(ticker, request.receivedAt);
  const tickerField = tickerRead.ok ? (tickerRead.field ?? 'symbol') : 'symbol';
  if (!resolved.ok) fail(422, resolved.error, tickerField);
  for (const alias of ALIASES.ticker) {
    const other = fields.get(alias);
    if (alias === tickerField || typeof other !== 'string' || other.trim() === '') continue;
    const r = resolve(other, request.receivedAt);
    if (!r.ok || r.match.symbol !== resolved.match.symbol) {
      fail(
        422,
        `fields ${tickerField} and ${alias} name different instruments — send one instrument field`,
        alias,
      );
    }
  }
  const tickSize = resolved.match.tickSize;
  if (price !== undefined && tickSize !== undefined && !onGrid(price, tickSize)) {
    warnings.push(
      `price ${price} is not on the ${resolved.match.symbol} tick grid (${tickSize}); orders are built from the profile, not this price`,
    );
  }

  // Times: {{timenow}} is the fire time; when both timenow and time are sent, time is the bar time.
  const hasTimenow = pick(fields, ['timenow']) !== undefined;
  const firedAt = unwrap(
    readTime(fields, hasTimenow ? ['timenow'] : ['time', 'date', 'firedat', 'fired_at']),
  );
  const barTime = unwrap(
    readTime(
      fields,
      hasTimenow ? ['time', 'bar.time', 'bartime', 'bar_time'] : ['bar.time', 'bartime', 'bar_time'],
    ),
  );
  const skew = config.maxClockSkewMs ?? 10_000;
  if (firedAt !== undefined && firedAt - request.receivedAt > skew) {
    fail(
      422,
      `the fire time is ${seconds(firedAt - request.receivedAt)} in the future (allowance ${seconds(skew)}) — send "{{timenow}}" and check this machine's clock`,
      hasTimenow ? 'timenow' : 'time',
    );
  }

  const strategy = unwrap(readText(fields, ALIASES.strategy));
  const orderId = unwrap(readText(fields, ALIASES.orderId));
  const canonicalTicker = ticker.trim().toUpperCase();

  let key: string;
  const explicit = unwrap(
    readText(
      fields,
      ALIASES.explicitKey.filter((k) => !secretFields.includes(k)),
    ),
  );
  if (explicit !== undefined) {
    key = /^[A-Za-z0-9_-]{1,24}$/.test(explicit) ? `k_${explicit}` : `k_${await shortHash(explicit)}`;
  } else if (firedAt !== undefined || barTime !== undefined) {
    const material = [
      strategy ?? '',
      canonicalTicker,
      action,
      firedAt ?? barTime,
      orderId ?? '',
      quantity ?? '',
    ];
    key = `a_${await shortHash(JSON.stringify(material))}`;
  } else if (config.allowMissingTime ?? true) {
    // A retry of the same body inside one bucket is a duplicate; the same signal next bucket is new.
    const bucketMs = config.missingTimeBucketMs ?? 60_000;
    const bucket = Math.floor(request.receivedAt / bucketMs);
    key = `b_${await shortHash(`${text.trim()}|${bucket}`)}`;
  } else {
    fail(
      422,
      'no time field and this route refuses alerts without one — add "time": "{{timenow}}" so repeats can be told apart and stale alerts ignored (or set allowMissingTime on this route)',
      'time',
    );
  }

  return {
    key,
    symbol: resolved.match.symbol,
    ticker: ticker.trim(),
    ...(resolved.match.contractMonth ? { contractMonth: resolved.match.contractMonth } : {}),
    action,
    ...(firedAt !== undefined ? { firedAt } : {}),
    ...(barTime !== undefined ? { barTime } : {}),
    ...(quantity !== undefined ? { quantity } : {}),
    ...(price !== undefined ? { price } : {}),
    ...(strategy !== undefined ? { strategy } : {}),
    ...(orderId !== undefined ? { orderId } : {}),
    ...(marketPosition !== undefined ? { marketPosition } : {}),
    dialect,
  };
}

/** Case 26: compare the position change with the order size; a mismatch is only a warning. */
function checkPositionChange(
  fields: FlatFields,
  marketPosition: Position | undefined,
  positionSize: number | undefined,
  quantity: number | undefined,
  warnings: string[],
): void {
  if (quantity === undefined || marketPosition === undefined) return;
  const prevPosition = readPosition(fields, ALIASES.prevMarketPosition);
  const prevSize = unwrap(readNumber(fields, ALIASES.prevSize, 'previous position size'));
  if (prevSize === undefined) return;
  const marketSize = unwrap(readNumber(fields, ALIASES.marketPositionSize, 'market position size'));
  const next =
    positionSize ?? (marketSize === undefined ? undefined : signOf(marketPosition) * Math.abs(marketSize));
  if (next === undefined) return;
  let prev: number | undefined;
  if (prevPosition !== undefined) prev = signOf(prevPosition) * Math.abs(prevSize);
  else if (prevSize === 0) prev = 0;
  if (prev === undefined) return;
  const change = Math.abs(next - prev);
  if (change !== quantity) {
    warnings.push(
      `position went from ${prev} to ${next} (change ${change}) but the order was for ${quantity} contracts`,
    );
  }
}

function onGrid(price: number, tickSize: number): boolean {
  const steps = price / tickSize;
  return Math.abs(steps - Math.round(steps)) < 1e-6;
}

async function shortHash(text: string): Promise<string> {
  return (await sha256Hex(text)).slice(0, KEY_HEX_LENGTH);
}

function seconds(ms: number): string {
  const s = ms / 1000;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}
