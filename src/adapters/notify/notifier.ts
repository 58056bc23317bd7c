/**
 * Optional trade notifications (off unless a channel is configured). `notify` formats and queues a
 * message and returns; one worker sends the queue in order. A 429 waits for Retry-After (header or
 * body), a 5xx, a timeout or a network error backs off exponentially; other 4xx answers are dropped.
 * Everything is bounded (queue, attempts, waits), nothing is thrown at the caller, and the webhook
 * URL and bot token are registered as secrets and never logged.
 */
import { defaultSecrets, type SecretRegistry } from '../../domain/secrets.ts';
import { type SinkLogger, silentSinkLogger } from '../../ports/logger.ts';
import {
  type ChannelRequest,
  checkChannelUrl,
  type DiscordConfig,
  discordRequest,
  type TelegramConfig,
  telegramRequest,
} from './channels.ts';
import {
  formatNotification,
  NOTIFICATION_KINDS,
  type NotificationEvent,
  type NotificationKind,
} from './messages.ts';

export interface NotifierConfig {
  readonly discord?: DiscordConfig;
  readonly telegram?: TelegramConfig;
  /** Which events to send; default all (entry, exit, rejection, guard). */
  readonly kinds?: readonly NotificationKind[];
  /** Messages waiting at most; the oldest is dropped beyond (default 100). */
  readonly maxQueued?: number;
  /** Tries per message (default 5). */
  readonly maxAttempts?: number;
  /** First backoff after a 5xx or network error, doubled per try (default 1,000 ms). */
  readonly initialBackoffMs?: number;
  /** Longest wait, Retry-After included (default 60,000 ms). */
  readonly maxBackoffMs?: number;
  /** Per request (default 10,000 ms). */
  readonly requestTimeoutMs?: number;
  readonly logger?: SinkLogger;
  readonly secrets?: SecretRegistry;
  /** Injected for tests. */
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface NotifierStats {
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
  readonly retries: number;
  readonly queued: number;
}

export interface Notifier {
  readonly enabled: boolean;
  /** Queue a message for every configured channel; never throws, never waits. */
  notify(event: NotificationEvent): void;
  /** Resolves when the queue is empty (shutdown, tests). */
  flush(): Promise<void>;
  /** Drop what waits and abort what is in flight. */
  stop(): void;
  readonly stats: NotifierStats;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Seconds from a Retry-After header (delta or HTTP date) or a JSON body (Discord, Telegram). */
export function retryAfterMs(header: string | null, body: string, now: number = Date.now()): number | null {
  if (header !== null) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(header);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = parsed.retry_after ?? parsed.parameters?.retry_after;
    if (typeof seconds === 'number' && seconds >= 0) return seconds * 1000;
  } catch {
    // Not JSON: no hint.
  }
  return null;
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`notifications: ${name} must be a positive number, got ${value}`);
  return value;
}

export function createNotifier(config: NotifierConfig): Notifier {
  const logger = config.logger ?? silentSinkLogger;
  const secrets = config.secrets ?? defaultSecrets;
  if (config.discord) {
    checkChannelUrl('discord.webhookUrl', config.discord.webhookUrl);
    secrets.register(config.discord.webhookUrl);
  }
  if (config.telegram) {
    if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(config.telegram.botToken)) {
      throw new Error('telegram.botToken: expected the token BotFather gave you, like 123456789:AAH…');
    }
    if (String(config.telegram.chatId).trim() === '')
      throw new Error('telegram.chatId: missing; the chat or channel id');
    if (config.telegram.apiBaseUrl) checkChannelUrl('telegram.apiBaseUrl', config.telegram.apiBaseUrl);
    secrets.register(config.telegram.botToken);
  }
  const kinds = new Set(config.kinds ?? NOTIFICATION_KINDS);
  const maxQueued = positive('maxQueued', config.maxQueued ?? 100);
  const maxAttempts = positive('maxAttempts', config.maxAttempts ?? 5);
  const initialBackoff = positive('initialBackoffMs', config.initialBackoffMs ?? 1_000);
  const maxBackoff = positive('maxBackoffMs', config.maxBackoffMs ?? 60_000);
  const timeoutMs = positive('requestTimeoutMs', config.requestTimeoutMs ?? 10_000);
  const doFetch = config.fetch ?? fetch;
  const sleep = config.sleep ?? realSleep;
  const enabled = config.discord !== undefined || config.telegram !== undefined;

  const queue: ChannelRequest[] = [];
  const waiters: (() => void)[] = [];
  const counts = { sent: 0, failed: 0, dropped: 0, retries: 0 };
  let working = false;
  let stopped = false;
  let inFlight: AbortController | null = null;

  /** One try: 'sent', 'drop' (4xx, pointless to repeat) or the wait before the next try. */
  async function attempt(request: ChannelRequest, tryNumber: number): Promise<'sent' | 'drop' | number> {
    const backoff = Math.min(maxBackoff, initialBackoff * 2 ** (tryNumber - 1));
    inFlight = new AbortController();
    const timer = setTimeout(() => inFlight?.abort(), timeoutMs);
    try {
      const response = await doFetch(request.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request.body,
        signal: inFlight.signal,
      });
      const text = await response.text();
      if (response.ok) return 'sent';
      if (response.status === 429) {
        const hinted = retryAfterMs(response.headers.get('retry-after'), text);
        logger.warn(
          { channel: request.channel, status: 429, retryAfterMs: hinted },
          'notification rate-limited',
        );
        return Math.min(maxBackoff, hinted ?? backoff);
      }
      if (response.status >= 500) {
        logger.warn({ channel: request.channel, status: response.status }, 'notification failed; will retry');
        return backoff;
      }
      logger.error(
        { channel: request.channel, status: response.status, answer: secrets.scrub(text.slice(0, 200)) },
        'notification refused; check the channel settings',
      );
      return 'drop';
    } catch (error) {
      if (stopped) return 'drop';
      logger.warn(
        { channel: request.channel, error: secrets.scrub((error as Error).message) },
        'notification not delivered; will retry',
      );
      return backoff;
    } finally {
      clearTimeout(timer);
      inFlight = null;
    }
  }

  async function work(): Promise<void> {
    working = true;
    while (!stopped && queue.length > 0) {
      const request = queue.shift();
      if (request === undefined) break;
      let delivered = false;
      for (let tryNumber = 1; tryNumber <= maxAttempts && !stopped; tryNumber++) {
        const outcome = await attempt(request, tryNumber);
        if (outcome === 'sent') {
          delivered = true;
          break;
        }
        if (outcome === 'drop') break;
        if (tryNumber < maxAttempts) {
          counts.retries++;
          await sleep(outcome);
        }
      }
      if (delivered) counts.sent++;
      else {
        counts.failed++;
        if (!stopped) logger.error({ channel: request.channel }, 'notification given up');
      }
    }
    working = false;
    for (const resolve of waiters.splice(0)) resolve();
  }

  return {
    enabled,
    notify(event) {
      if (!enabled || stopped || !kinds.has(event.kind)) return;
      try {
        const text = formatNotification(event);
        if (config.discord) queue.push(discordRequest(config.discord, text));
        if (config.telegram) queue.push(telegramRequest(config.telegram, text));
        while (queue.length > maxQueued) {
          const dropped = queue.shift();
          counts.dropped++;
          logger.warn({ channel: dropped?.channel, maxQueued }, 'notification dropped: queue full');
        }
        if (!working)
          void work().catch((error) => logger.error({ err: error }, 'notification worker failed'));
      } catch (error) {
        logger.error({ err: error }, 'notification could not be queued');
      }
    },
    flush() {
      if (!working && queue.length === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    stop() {
      stopped = true;
      counts.dropped += queue.length;
      queue.length = 0;
      inFlight?.abort();
    },
    get stats() {
      return { ...counts, queued: queue.length };
    },
  };
}
