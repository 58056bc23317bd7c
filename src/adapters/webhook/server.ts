/**
 * TradingView webhook receiver on Fastify: POST /webhook/tradingview[/:token].
 * Store first, answer fast, process later: every authenticated delivery is written through
 * `inbox.insertAlert` (unique idempotency key) before the reply, and `onAccepted` runs after it,
 * so a slow broker never delays TradingView's 3-second budget. Bodies are read raw (any
 * Content-Type) so the exact text is stored; the intake core decides the grammar.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sha256Hex } from '../../intake/crypto.ts';
import { DEFAULT_MAX_BODY_BYTES, type IntakeConfig, intakeAlert, provenByPath } from '../../intake/index.ts';
import { alertRecordOf } from '../../intake/record.ts';
import type { Store, StoredAlert } from '../../ports/store.ts';
import { createBatchingInbox, type InsertMany } from './batching-inbox.ts';
import { RateLimiter, type RateLimitOptions } from './rate-limit.ts';
import { clientAddress, redactWebhookUrl, TRADINGVIEW_ADDRESSES } from './source-address.ts';

export interface WebhookDeps {
  /**
   * Where alerts are written: the Store port's insertAlert (unique on idempotencyKey). When the store
   * also offers `insertAlerts` (many in one statement), concurrent deliveries are group-committed.
   */
  readonly inbox: Pick<Store, 'insertAlert'> & { readonly insertAlerts?: InsertMany };
  /** Called after the reply for each newly stored, accepted alert (the runtime processes it). */
  readonly onAccepted?: ((alert: StoredAlert) => void | Promise<void>) | undefined;
  /** Secrets, grammars, staleness: see IntakeConfig. */
  readonly intake?: IntakeConfig | undefined;
  /** Sender allow-list: true = TradingView's four addresses, a list = those addresses, false/undefined = off. */
  readonly allowList?: boolean | readonly string[] | undefined;
  /** Proxies in front of the bot whose X-Forwarded-For is trusted (0/false = use the socket address). */
  readonly trustProxy?: boolean | number | undefined;
  /** Per-source token bucket; false disables. Default 30 burst, 5/s. */
  readonly rateLimit?: RateLimitOptions | false | undefined;
  /** Wall clock (ms). Injected so tests can move time. */
  readonly now?: (() => number) | undefined;
}

const SECRET_QUERY_NAMES = ['token', 'secret', 'passphrase', 'key'];

export function registerWebhookRoutes(app: FastifyInstance, deps: WebhookDeps): void {
  const now = deps.now ?? Date.now;
  const batch = deps.inbox.insertAlerts;
  const inbox = batch ? createBatchingInbox((alerts) => batch.call(deps.inbox, alerts)) : deps.inbox;
  const intake: IntakeConfig = deps.intake ?? {};
  const bodyLimit = intake.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const hops = deps.trustProxy === true ? 1 : typeof deps.trustProxy === 'number' ? deps.trustProxy : 0;
  const allowList =
    deps.allowList === true ? TRADINGVIEW_ADDRESSES : deps.allowList ? deps.allowList : undefined;
  const limiter =
    deps.rateLimit === false
      ? undefined
      : new RateLimiter(deps.rateLimit ?? { capacity: 30, refillPerSecond: 5 });

  const sourceOf = (req: FastifyRequest): string =>
    clientAddress(req.raw.socket.remoteAddress, req.headers['x-forwarded-for'], hops);

  // An oversized body is never read, but the rejection is still recorded (without the body).
  const recordOversize = async (req: FastifyRequest, error: string): Promise<void> => {
    // The body was never read: only a sender proven by the URL secret (or an open route) writes a row.
    const token = (req.params as { token?: string } | undefined)?.token ?? queryToken(req.query);
    const secrets = intake.secrets ?? [];
    if (secrets.length > 0 && !(await provenByPath(token, secrets))) return;
    const receivedAt = now();
    const source = sourceOf(req);
    const key = `r_${(await sha256Hex(`${receivedAt}|${source}|${req.id}|413`)).slice(0, 24)}`;
    try {
      await inbox.insertAlert({
        idempotencyKey: key,
        receivedAt,
        sourceAddress: source || null,
        contentType: String(req.headers['content-type'] ?? ''),
        rawBody: '',
        parsed: null,
        status: 'rejected',
        reason: `413: ${error}`,
      });
    } catch (err) {
      req.log.error(
        { err: err instanceof Error ? err.message : String(err) },
        'storing the rejection failed',
      );
    }
  };

  // Encapsulated: the raw-body parser applies to these routes only, not to the dashboard's JSON API.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));

    scope.addHook('onRequest', async (req, reply) => {
      const source = sourceOf(req);
      if (allowList && !allowList.includes(source)) {
        limiter?.penalise(source, now());
        req.log.warn({ source }, 'webhook sender not on the allow-list');
        return reply.code(403).send({
          error: `sender ${source} is not on the allow-list — TradingView sends from ${TRADINGVIEW_ADDRESSES.join(', ')}; behind a proxy, set trustProxy so the real address is used`,
        });
      }
      if (limiter && !limiter.take(source, now())) {
        return reply
          .code(429)
          .header('retry-after', String(limiter.retryAfterSeconds(source, now())))
          .send({
            error: `too many requests from ${source} — slow down; TradingView alerts need only a few per minute`,
          });
      }
    });

    scope.setErrorHandler(
      async (err: { statusCode?: number; code?: string; message: string }, req, reply) => {
        if (err.statusCode === 413 || err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
          const error = `the body is larger than ${bodyLimit} bytes — shorten the alert message to the fields the bot needs`;
          await recordOversize(req, error);
          return reply.code(413).send({ error });
        }
        req.log.error({ err: { code: err.code, message: err.message } }, 'webhook request failed');
        const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
        return reply
          .code(status)
          .send({ error: 'the request could not be read — send the alert message as the POST body' });
      },
    );

    const handler = async (req: FastifyRequest<{ Params: { token?: string } }>, reply: FastifyReply) => {
      const receivedAt = now();
      const source = sourceOf(req);
      const body = Buffer.isBuffer(req.body)
        ? new Uint8Array(req.body.buffer, req.body.byteOffset, req.body.length)
        : '';
      const contentType = String(req.headers['content-type'] ?? '');
      const result = await intakeAlert(
        {
          body,
          contentType,
          pathToken: req.params.token ?? queryToken(req.query),
          sourceAddress: source,
          receivedAt,
        },
        intake,
      );

      if (!result.ok && !result.store) {
        limiter?.penalise(source, now());
        req.log.warn({ source, status: result.status }, 'webhook authentication failed');
        return reply.code(result.status).send({ error: result.error });
      }

      const record = alertRecordOf(result, { receivedAt, sourceAddress: source, contentType });
      if (!record) return reply.code(500).send({ error: 'internal error — see the bot log' });

      let stored: { inserted: boolean; id: number };
      try {
        stored = await inbox.insertAlert(record);
      } catch (err) {
        req.log.error({ err: err instanceof Error ? err.message : String(err) }, 'storing the alert failed');
        return reply.code(503).send({
          error: 'the alert could not be stored — the bot database is unavailable; check the bot log',
        });
      }

      if (!result.ok) {
        req.log.info({ key: result.key, status: result.status, reason: result.error }, 'alert rejected');
        const reply4xx: Record<string, string> = { error: result.error, key: result.key };
        if (result.field) reply4xx['field'] = result.field;
        return reply.code(result.status).send(reply4xx);
      }
      if (!stored.inserted) return reply.code(200).send({ status: 'duplicate', key: result.key });
      if (result.outcome === 'ignored') {
        req.log.info({ key: result.key, reason: result.reason }, 'alert ignored');
        return reply.code(200).send({ status: 'ignored', key: result.key, reason: result.reason });
      }
      await reply.code(200).send({ status: 'accepted', key: result.key });
      const onAccepted = deps.onAccepted;
      if (onAccepted) {
        const storedAlert: StoredAlert = { ...record, id: stored.id };
        setImmediate(() => {
          Promise.resolve()
            .then(() => onAccepted(storedAlert))
            .catch((err: unknown) =>
              app.log.error(
                { err: err instanceof Error ? err.message : String(err), key: record.idempotencyKey },
                'processing an accepted alert failed',
              ),
            );
        });
      }
      return reply;
    };

    scope.post('/webhook/tradingview', handler);
    scope.post('/webhook/tradingview/:token', handler);
  });
}

function queryToken(query: unknown): string | undefined {
  if (query === null || typeof query !== 'object') return undefined;
  const q = query as Record<string, unknown>;
  for (const name of SECRET_QUERY_NAMES) {
    const v = q[name];
    if (typeof v === 'string' && v !== '') return v;
  }
  return undefined;
}

export interface HttpServerOptions {
  /** Pino logger options, or false for none. Request URLs are logged with the webhook token redacted. */
  readonly logger?:
    | boolean
    | { readonly level?: string; readonly stream?: { write(line: string): void } }
    | undefined;
  /** Largest body for any route, bytes (the webhook routes apply their own 64 KB cap). */
  readonly bodyLimit?: number | undefined;
}

/** A Fastify instance with token-redacting request logs; add routes, then `listenHttpServer`. */
export function createHttpServer(options: HttpServerOptions = {}): FastifyInstance {
  const logger = options.logger ?? { level: 'info' };
  return Fastify({
    bodyLimit: options.bodyLimit ?? 1_048_576,
    logger:
      logger === false
        ? false
        : {
            ...(logger === true ? {} : logger),
            serializers: {
              req: (req: { method?: string; url?: string; ip?: string }) => ({
                method: req.method,
                url: redactWebhookUrl(req.url ?? ''),
                remoteAddress: req.ip,
              }),
            },
          },
  }) as unknown as FastifyInstance;
}

/** Listen on 127.0.0.1 (default) and the given port (0 = any free port); returns the base URL. */
export async function listenHttpServer(
  app: FastifyInstance,
  options: { readonly host?: string; readonly port?: number } = {},
): Promise<string> {
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return `http://${host}:${port}`;
}
