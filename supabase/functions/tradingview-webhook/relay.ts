/**
 * The public webhook relay's request handler: TradingView POST → intake core → alerts table.
 * Runtime-neutral (Request/Response, crypto.subtle): Deno.serve in the Edge Function, Node in tests.
 *
 * Same rules as the bot's own receiver (src/adapters/webhook/server.ts) through the same module:
 * secret in the path (`…/tradingview-webhook/<secret>`), `?token=` or the body; 64 KB cap; every
 * authenticated delivery is stored under its idempotency key before the answer; rejections are
 * stored with the reason; unauthenticated senders never write. The store step has a deadline so
 * TradingView (3 s budget) always gets an answer.
 */
import { alertToRow } from '../../../src/adapters/store/rows.ts';
import { secretsEqual, sha256Hex } from '../../../src/intake/crypto.ts';
import {
  DEFAULT_MAX_BODY_BYTES,
  type IntakeConfig,
  type IntakeRejected,
  intakeAlert,
} from '../../../src/intake/index.ts';
import type { AlertRecord } from '../../../src/ports/store.ts';

/** An `alerts` row as `insert_alert(jsonb)` takes it (the store's own record → row mapping). */
export type AlertRow = Record<string, unknown>;

/** Where the relay writes: the SQL function `insert_alert`, reached over PostgREST or a direct connection. */
export interface AlertInbox {
  insertAlert(row: AlertRow): Promise<{ inserted: boolean; id: number }>;
}

export type RelayLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
) => void;

export interface RelayDeps {
  /** Undefined when storage is not configured: every request then answers 503 with `notConfigured`. */
  readonly inbox: AlertInbox | undefined;
  readonly intake: IntakeConfig;
  /** Why the relay cannot work (missing secret or storage), said to the caller and the log. */
  readonly notConfigured?: string | undefined;
  /** Deadline for the store step, ms (default 2,500: inside TradingView's 3 s). */
  readonly storeTimeoutMs?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly log?: RelayLog | undefined;
  /** Unique per delivery, for keys of rejections that have no body to hash. */
  readonly deliveryId?: (() => string) | undefined;
}

/** Connection facts the runtime knows and the Request does not. */
export interface DeliveryInfo {
  readonly remoteAddress?: string | undefined;
}

const FUNCTION_NAME = 'tradingview-webhook';
const SECRET_QUERY_NAMES = ['token', 'secret', 'passphrase', 'key'];
const DEFAULT_STORE_TIMEOUT_MS = 2_500;

export function createRelay(deps: RelayDeps): (request: Request, info?: DeliveryInfo) => Promise<Response> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? (() => {});
  const cap = deps.intake.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const storeTimeoutMs = deps.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
  const deliveryId = deps.deliveryId ?? (() => crypto.randomUUID());

  const store = async (record: AlertRecord): Promise<{ inserted: boolean; id: number }> => {
    const inbox = deps.inbox;
    if (!inbox) throw new Error('no storage configured');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`the database did not answer within ${storeTimeoutMs} ms`)),
        storeTimeoutMs,
      );
    });
    try {
      return await Promise.race([inbox.insertAlert(alertToRow(record)), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  return async (request: Request, info: DeliveryInfo = {}): Promise<Response> => {
    const receivedAt = now();
    const url = new URL(request.url);
    const route = routeOf(url.pathname);
    if (!route.ok) {
      await request.body?.cancel();
      return json(404, { error: route.error });
    }
    if (request.method !== 'POST') {
      await request.body?.cancel();
      return json(405, {
        error: `${request.method} is not accepted — TradingView sends POST; paste this URL into the alert's "Webhook URL" box`,
      });
    }
    if (deps.notConfigured || !deps.inbox) {
      await request.body?.cancel();
      log('error', 'relay not configured', { reason: deps.notConfigured ?? 'no storage' });
      return json(503, { error: deps.notConfigured ?? 'the relay has no storage configured' });
    }

    const source = sourceOf(request, info);
    const contentType = request.headers.get('content-type') ?? '';
    const pathToken = route.token ?? queryToken(url);
    const body = await readCapped(request, cap);

    if (!body.ok) {
      const error = `the body is ${body.size === undefined ? 'larger than' : `${body.size} bytes, more than`} the ${cap}-byte limit — shorten the alert message to the fields the bot needs`;
      // The body is never read, so only a sender proven by the URL secret (or an open route) writes.
      if (await mayRecordUnread(pathToken, deps.intake.secrets)) {
        const key = `r_${(await sha256Hex(`${receivedAt}|${source}|${deliveryId()}|413`)).slice(0, 24)}`;
        try {
          await store({
            idempotencyKey: key,
            receivedAt,
            sourceAddress: source || null,
            contentType,
            rawBody: '',
            parsed: null,
            status: 'rejected',
            reason: `413: ${error}`,
          });
        } catch (err) {
          log('error', 'storing the rejection failed', { err: message(err) });
        }
      }
      return json(413, { error });
    }

    const result = await intakeAlert(
      { body: body.bytes, contentType, pathToken, sourceAddress: source, receivedAt },
      deps.intake,
    );
    if (!result.ok && !result.store) {
      log('warn', 'webhook authentication failed', { source, status: result.status });
      return json(result.status, { error: result.error });
    }
    // An empty or non-UTF-8 body is refused before any secret can be read from it: on a public
    // URL, only a sender proven by the URL secret gets such a rejection recorded.
    if (!result.ok && unreadable(body.bytes) && !(await mayRecordUnread(pathToken, deps.intake.secrets))) {
      log('warn', 'unreadable body from an unproven sender, not stored', { source, status: result.status });
      return json(result.status, { error: result.error });
    }

    const record: AlertRecord = result.ok
      ? {
          idempotencyKey: result.key,
          receivedAt,
          sourceAddress: source || null,
          contentType,
          rawBody: result.storedBody,
          parsed: result.alert,
          status: result.outcome === 'accepted' ? 'received' : 'ignored',
          reason:
            result.reason ?? (result.warnings.length > 0 ? `warning: ${result.warnings.join('; ')}` : null),
        }
      : rejectionRecord(result, receivedAt, source, contentType);

    let stored: { inserted: boolean; id: number };
    try {
      stored = await store(record);
    } catch (err) {
      log('error', 'storing the alert failed', { key: record.idempotencyKey, err: message(err) });
      return json(503, {
        error:
          'the alert could not be stored — the database is unavailable or slow; check the function logs (supabase functions logs tradingview-webhook)',
      });
    }

    if (!result.ok) {
      log('info', 'alert rejected', { key: result.key, status: result.status, reason: result.error });
      const answer: Record<string, string> = { error: result.error, key: result.key };
      if (result.field) answer['field'] = result.field;
      return json(result.status, answer);
    }
    if (!stored.inserted) return json(200, { status: 'duplicate', key: result.key });
    if (result.outcome === 'ignored') {
      log('info', 'alert ignored', { key: result.key, reason: result.reason });
      return json(200, { status: 'ignored', key: result.key, reason: result.reason });
    }
    log('info', 'alert accepted', { key: result.key, id: stored.id, symbol: result.alert.symbol });
    return json(200, { status: 'accepted', key: result.key });
  };
}

type Route = { ok: true; token: string | undefined } | { ok: false; error: string };

/**
 * Supabase hands the function `/tradingview-webhook[/<secret>]` (after `/functions/v1`); the bot's
 * own path `/webhook/tradingview[/<secret>]` is accepted too, so one alert works against either.
 */
export function routeOf(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '');
  let rest: string[];
  const at = parts.indexOf(FUNCTION_NAME);
  if (at >= 0) rest = parts.slice(at + 1);
  else if (parts[0] === 'webhook' && parts[1] === 'tradingview') rest = parts.slice(2);
  else if (parts.length === 0) rest = [];
  else
    return {
      ok: false,
      error: `no route here — post to /functions/v1/${FUNCTION_NAME}/<secret> on your Supabase project`,
    };
  if (rest.length > 1)
    return {
      ok: false,
      error: `too many path segments — the URL is /functions/v1/${FUNCTION_NAME}/<secret>, the secret without slashes`,
    };
  const token = rest[0] === undefined ? undefined : safeDecode(rest[0]);
  return { ok: true, token };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function queryToken(url: URL): string | undefined {
  for (const name of SECRET_QUERY_NAMES) {
    const v = url.searchParams.get(name);
    if (v) return v;
  }
  return undefined;
}

/** Supabase's gateway puts the caller first in X-Forwarded-For; it is stored, never trusted for access. */
function sourceOf(request: Request, info: DeliveryInfo): string {
  const forwarded = request.headers.get('x-forwarded-for');
  const first = forwarded?.split(',')[0]?.trim();
  return first || info.remoteAddress || '';
}

type CappedBody = { ok: true; bytes: Uint8Array } | { ok: false; size: number | undefined };

/** Read at most `cap` bytes: a larger declared length is refused unread, a longer stream is cut off. */
async function readCapped(request: Request, cap: number): Promise<CappedBody> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await request.body?.cancel();
    return { ok: false, size: declared };
  }
  if (!request.body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > cap) {
      await reader.cancel();
      return { ok: false, size: undefined };
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { ok: true, bytes };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function unreadable(bytes: Uint8Array): boolean {
  try {
    return strictUtf8.decode(bytes).trim() === '';
  } catch {
    return true;
  }
}

async function mayRecordUnread(
  pathToken: string | undefined,
  secrets: readonly string[] | undefined,
): Promise<boolean> {
  const configured = (secrets ?? []).filter((s) => s.length > 0);
  if (configured.length === 0) return true;
  if (!pathToken) return false;
  let match = false;
  for (const s of configured) if (await secretsEqual(pathToken, s)) match = true;
  return match;
}

function rejectionRecord(
  result: IntakeRejected,
  receivedAt: number,
  source: string,
  contentType: string,
): AlertRecord {
  return {
    idempotencyKey: result.key,
    receivedAt,
    sourceAddress: source || null,
    contentType,
    rawBody: result.storedBody,
    parsed: null,
    status: 'rejected',
    reason: `${result.status}: ${result.error}`,
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
