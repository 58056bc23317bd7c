/**
 * The two message channels as plain HTTP requests. Discord: POST JSON to the webhook URL.
 * Telegram: POST JSON to `<api>/bot<token>/sendMessage`. The URLs hold secrets: never log them.
 */

export interface DiscordConfig {
  /** https://discord.com/api/webhooks/<id>/<token> */
  readonly webhookUrl: string;
}

export interface TelegramConfig {
  readonly botToken: string;
  readonly chatId: string;
  /** Default https://api.telegram.org (tests point it at loopback). */
  readonly apiBaseUrl?: string;
}

export interface ChannelRequest {
  readonly channel: 'discord' | 'telegram';
  readonly url: string;
  readonly body: string;
}

export const DISCORD_MAX_CHARS = 2_000;
export const TELEGRAM_MAX_CHARS = 4_096;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function discordRequest(config: DiscordConfig, text: string): ChannelRequest {
  // No mentions: alert text must never ping @everyone.
  return {
    channel: 'discord',
    url: config.webhookUrl,
    body: JSON.stringify({ content: cut(text, DISCORD_MAX_CHARS), allowed_mentions: { parse: [] } }),
  };
}

export function telegramRequest(config: TelegramConfig, text: string): ChannelRequest {
  const base = (config.apiBaseUrl ?? 'https://api.telegram.org').replace(/\/+$/, '');
  return {
    channel: 'telegram',
    url: `${base}/bot${config.botToken}/sendMessage`,
    body: JSON.stringify({ chat_id: config.chatId, text: cut(text, TELEGRAM_MAX_CHARS) }),
  };
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Throws an error naming the setting when a URL is not https (plain http only to loopback). */
export function checkChannelUrl(setting: string, value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${setting}: not a URL; paste the full https:// address`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new Error(`${setting}: must be an https:// address (got ${url.protocol}//${url.host})`);
  }
}
