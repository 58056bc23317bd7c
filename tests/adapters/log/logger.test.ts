import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, parseLogLevel } from '../../../src/adapters/log/logger.ts';
import {
  isSecretKey,
  REDACTED,
  registerSecretsFromEnv,
  SecretRegistry,
} from '../../../src/domain/secrets.ts';

const API_KEY = 'pX-9f8e7d6c5b4a-SECRET';
const SERVICE_KEY = 'eyJhbGciOiJIUzI1NiJ9.service-role.sig';
const BOT_TOKEN = '123456:ABC-def_ghi/jkl';

function capture(options: { pretty?: boolean; level?: string } = {}) {
  const secrets = new SecretRegistry();
  for (const s of [API_KEY, SERVICE_KEY, BOT_TOKEN]) secrets.register(s);
  const lines: string[] = [];
  const logger = createLogger({
    level: options.level ?? 'trace',
    pretty: options.pretty ?? false,
    color: false,
    secrets,
    destination: { write: (line: string) => lines.push(line) },
  });
  const text = () => lines.join('');
  return { logger, lines, text, secrets };
}

function expectNoSecret(text: string): void {
  for (const s of [API_KEY, SERVICE_KEY, BOT_TOKEN, encodeURIComponent(BOT_TOKEN)])
    expect(text).not.toContain(s);
}

describe('logger', () => {
  it('writes one JSON object per line with the level label and message', () => {
    const { logger, lines } = capture();
    logger.info({ symbol: 'ES', quantity: 2 }, 'entry placed');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 'info', symbol: 'ES', quantity: 2, msg: 'entry placed' });
    expect(typeof line.time).toBe('string');
  });

  it('redacts secret-named fields at any depth, whatever their value', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        apiKey: 'not-registered-value-1',
        config: { projectx: { PROJECTX_API_KEY: 'not-registered-value-2', userName: 'trader' } },
        headers: { Authorization: 'Bearer not-registered-value-3' },
        list: [{ access_token: 'not-registered-value-4' }],
        SUPABASE_SERVICE_ROLE_KEY: 'not-registered-value-5',
        telegramBotToken: 'not-registered-value-6',
        discordWebhookUrl: 'https://discord.com/api/webhooks/1/not-registered-value-7',
        idempotencyKey: 'visible-key-for-debugging',
      },
      'config loaded',
    );
    const text = lines.join('');
    expect(text).not.toMatch(/not-registered-value/);
    const line = JSON.parse(lines[0]!);
    expect(line.apiKey).toBe(REDACTED);
    expect(line.config.projectx).toEqual({ PROJECTX_API_KEY: REDACTED, userName: 'trader' });
    expect(line.headers.Authorization).toBe(REDACTED);
    expect(line.idempotencyKey).toBe('visible-key-for-debugging');
  });

  it('scrubs registered secret values from messages, errors, URLs and child bindings', () => {
    const { logger, text } = capture();
    logger.warn(`login failed for key ${API_KEY}`);
    logger.error({ err: new Error(`PostgREST said: bad JWT ${SERVICE_KEY}`) }, 'store write failed');
    logger.error(new Error(`token ${BOT_TOKEN} refused`));
    logger.info({ url: `https://api.telegram.org/bot${BOT_TOKEN}/sendMessage` }, 'sending');
    logger.info(`GET https://example.test/?t=${encodeURIComponent(BOT_TOKEN)}`);
    logger.child({ session: `s-${API_KEY}` }).info({ nested: { deeper: [`x${SERVICE_KEY}y`] } }, 'child');
    const cause = new Error('outer', { cause: new Error(`inner ${API_KEY}`) });
    logger.error({ err: cause }, 'with cause');
    const out = text();
    expectNoSecret(out);
    expect(out).toContain('login failed for key [redacted]');
    expect(out).toContain('bot[redacted]/sendMessage');
    expect(out.match(/\[redacted\]/g)?.length ?? 0).toBeGreaterThanOrEqual(8);
  });

  it('serialises errors with their type, message, stack, code and cause', () => {
    const { logger, lines } = capture();
    const error = Object.assign(new TypeError('bad field', { cause: new Error('root') }), {
      code: 'E_FIELD',
    });
    logger.error({ err: error }, 'failed');
    const line = JSON.parse(lines[0]!);
    expect(line.err).toMatchObject({
      type: 'TypeError',
      message: 'bad field',
      code: 'E_FIELD',
      cause: { type: 'Error', message: 'root' },
    });
    expect(line.err.stack).toMatch(/^TypeError: bad field\n/);
  });

  it('scrubs a secret that needs JSON escaping', () => {
    const registry = new SecretRegistry();
    const quoted = 'pa"ss\\word-42';
    registry.register(quoted);
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      pretty: false,
      secrets: registry,
      destination: { write: (l) => lines.push(l) },
    });
    logger.info(`value ${quoted}`);
    expect(lines.join('')).not.toContain(JSON.stringify(quoted).slice(1, -1));
    expect(JSON.parse(lines[0]!).msg).toBe('value [redacted]');
  });

  it('never lets a registered secret through, for any secret and any message around it', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 6, maxLength: 40 }),
        fc.string({ maxLength: 30 }),
        fc.string({ maxLength: 30 }),
        (secret, before, after) => {
          const registry = new SecretRegistry();
          registry.register(secret);
          const lines: string[] = [];
          const logger = createLogger({
            level: 'info',
            pretty: false,
            secrets: registry,
            destination: { write: (l) => lines.push(l) },
          });
          logger.info(
            { field: `${before}${secret}${after}`, err: new Error(`${before}${secret}`) },
            `${after}${secret}`,
          );
          const parsed = JSON.parse(lines[0]!);
          return (
            !JSON.stringify([parsed.field, parsed.msg, parsed.err.message, parsed.err.stack]).includes(
              JSON.stringify(secret).slice(1, -1),
            ) && !String(parsed.field).includes(secret)
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('pretty output is scrubbed too and is not JSON', () => {
    const { logger, text } = capture({ pretty: true });
    logger.info({ apiKey: API_KEY, symbol: 'NQ' }, `connected with ${API_KEY}`);
    const out = text();
    expectNoSecret(out);
    expect(out).toContain('connected with [redacted]');
    expect(() => JSON.parse(out)).toThrow();
  });

  it('auto mode is pretty on a TTY and JSON otherwise', () => {
    const tty: string[] = [];
    const pipe: string[] = [];
    createLogger({
      level: 'info',
      pretty: 'auto',
      color: false,
      destination: { isTTY: true, write: (l) => tty.push(l) },
    }).info('hello');
    createLogger({ level: 'info', destination: { isTTY: false, write: (l) => pipe.push(l) } }).info('hello');
    expect(() => JSON.parse(tty[0]!)).toThrow();
    expect(tty[0]).toContain('hello');
    expect(JSON.parse(pipe[0]!).msg).toBe('hello');
  });

  it('respects the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.info('quiet');
    logger.debug('quieter');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });

  it('rejects an unknown level with an error naming the setting and the choices', () => {
    expect(() => parseLogLevel('verbose')).toThrow(
      /LOG_LEVEL: unknown level "verbose"; use one of fatal, error, warn, info, debug, trace, silent/,
    );
    expect(parseLogLevel(' DEBUG ')).toBe('debug');
  });

  it('ignores secrets too short to redact safely and knows which keys are secret', () => {
    const registry = new SecretRegistry();
    registry.register('abc');
    registry.register('');
    registry.register(undefined);
    expect(registry.size).toBe(0);
    expect(registry.scrub('abc')).toBe('abc');
    expect(isSecretKey('PROJECTX_API_KEY')).toBe(true);
    expect(isSecretKey('passphrase')).toBe(true);
    expect(isSecretKey('signalId')).toBe(false);
    expect(isSecretKey('idempotencyKey')).toBe(false);
  });
});

describe('secrets from the environment and inside URLs', () => {
  it('registers secret-named variables and URL passwords, leaving the rest alone', () => {
    const registry = new SecretRegistry();
    registerSecretsFromEnv(
      {
        PROJECTX_API_KEY: 'px-live-key-123456',
        TELEGRAM_BOT_TOKEN: '123456789:AAHtokentokentokentoken',
        DATABASE_URL: 'postgres://bot:p%40ss-word-99@db.internal:5432/valuearea',
        PROJECTX_USERNAME: 'trader-joe',
        LOG_LEVEL: 'info',
      },
      registry,
    );
    expect(registry.scrub('key px-live-key-123456 user trader-joe')).toBe('key [redacted] user trader-joe');
    expect(registry.scrub('password p@ss-word-99 leaked')).toBe('password [redacted] leaked');
    expect(registry.scrub('bot123456789:AAHtokentokentokentoken/getMe')).toBe('bot[redacted]/getMe');
  });

  it('hides the password of any URL with credentials, registered or not', () => {
    const registry = new SecretRegistry();
    expect(
      registry.scrub('connecting to postgresql://postgres:hunter2-unknown@127.0.0.1:54322/postgres'),
    ).toBe('connecting to postgresql://postgres:[redacted]@127.0.0.1:54322/postgres');
    expect(registry.scrub('mail me at trader@example.com')).toBe('mail me at trader@example.com');
  });
});
