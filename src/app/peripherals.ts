/**
 * LLM trade notes and notifications: fire-and-forget, bounded, never in the engine's way.
 * Notes are on when the model command (LLM_NOTES_COMMAND, default `claude`) is on PATH; set
 * LLM_NOTES_COMMAND=off to turn them off. Notifications are on when a Discord webhook or a Telegram
 * bot is configured.
 *
 * The bot calls `attachPeripherals` once per account (lane): notes and the notification feed are the
 * lane's (its runtime, its positions), and every message names the account. The notifier itself is
 * shared by every lane of one config: one queue and one worker per channel, so the accounts' messages
 * go out in order and a rate limit (Discord 429) is waited out once, not raced by several workers.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Logger } from '../adapters/log/logger.ts';
import { createCliTradeNotes, createTradeNoteFeed } from '../adapters/notes/index.ts';
import { createNotificationFeed, createNotifier, type Notifier } from '../adapters/notify/index.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import type { PersistenceSink } from '../runtime/persistence.ts';
import { laneLabel } from './account-lane.ts';
import type { BotConfig } from './config.ts';

export function commandOnPath(command: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const candidates = isAbsolute(command)
    ? [command]
    : (env.PATH ?? '').split(delimiter).map((dir) => join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface Peripherals {
  /** A guard latched on this lane's account: the message names it. */
  notifyGuard(reason: string, ts: number): void;
  stop(): Promise<void>;
}

/** The account a lane trades, as the messages name it. */
export interface PeripheralAccount {
  readonly id: string;
  readonly name: string;
}

/** One notifier per config, shared by its lanes; the last lane to stop flushes and stops it. */
const sharedNotifiers = new WeakMap<BotConfig, { readonly notifier: Notifier; users: number }>();

function acquireNotifier(config: BotConfig, logger: Logger): Notifier | null {
  if (!(config.discordWebhookUrl || (config.telegramBotToken && config.telegramChatId))) return null;
  const shared = sharedNotifiers.get(config);
  if (shared) {
    shared.users++;
    return shared.notifier;
  }
  const notifier = createNotifier({
    ...(config.discordWebhookUrl ? { discord: { webhookUrl: config.discordWebhookUrl } } : {}),
    ...(config.telegramBotToken && config.telegramChatId
      ? { telegram: { botToken: config.telegramBotToken, chatId: config.telegramChatId } }
      : {}),
    logger,
  });
  sharedNotifiers.set(config, { notifier, users: 1 });
  return notifier;
}

async function releaseNotifier(config: BotConfig, notifier: Notifier): Promise<void> {
  const shared = sharedNotifiers.get(config);
  if (!shared || shared.notifier !== notifier) return;
  shared.users--;
  if (shared.users > 0) return;
  sharedNotifiers.delete(config);
  await notifier.flush().catch(() => {});
  notifier.stop();
}

export function attachPeripherals(
  config: BotConfig,
  deps: {
    readonly runtime: EngineRuntime;
    readonly sink: PersistenceSink;
    readonly logger: Logger;
    readonly account: PeripheralAccount;
  },
): Peripherals {
  const { runtime, sink, logger } = deps;
  const account = laneLabel({ accountId: deps.account.id, name: deps.account.name });
  const stops: (() => Promise<void>)[] = [];
  const command = config.notesCommand ?? 'claude';
  if (command !== 'off' && commandOnPath(command)) {
    const notes = createCliTradeNotes({
      command,
      onNote: (positionId, note) => sink.setNote(positionId, note.reasoning, note.confidence),
      logger,
    });
    const feed = createTradeNoteFeed({
      notes,
      subjectOf: (positionId) => {
        const view = runtime.positions().find((p) => p.positionId === positionId);
        return view
          ? { positionId, symbol: view.symbol, plan: view.context.plan, decimals: view.context.grid.decimals }
          : undefined;
      },
    });
    runtime.outputs$.subscribe(feed);
    stops.push(async () => notes.stop());
    logger.info({ command, account }, 'LLM trade notes on: a note is requested after each new entry');
  } else if (command !== 'off') {
    logger.info(
      { command },
      `LLM trade notes off: "${command}" is not on PATH (set LLM_NOTES_COMMAND to another model CLI)`,
    );
  }
  let notify: ((reason: string, ts: number) => void) | null = null;
  const notifier = acquireNotifier(config, logger);
  if (notifier) {
    const feed = createNotificationFeed((event) => notifier.notify(event), { account });
    runtime.outputs$.subscribe((output) => feed(output as Parameters<typeof feed>[0]));
    notify = (reason, ts) => notifier.notify({ kind: 'guard', ts, guard: 'risk', reason, account });
    stops.push(() => releaseNotifier(config, notifier));
  }
  return {
    notifyGuard: (reason, ts) => notify?.(reason, ts),
    async stop() {
      for (const stop of stops.splice(0)) await stop().catch(() => {});
    },
  };
}
