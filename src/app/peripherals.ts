/**
 * LLM trade notes and notifications: fire-and-forget, bounded, never in the engine's way.
 * Notes are on when the model command (LLM_NOTES_COMMAND, default `claude`) is on PATH; set
 * LLM_NOTES_COMMAND=off to turn them off. Notifications are on when a Discord webhook or a Telegram
 * bot is configured.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Logger } from '../adapters/log/logger.ts';
import { createCliTradeNotes, createTradeNoteFeed } from '../adapters/notes/index.ts';
import { createNotificationFeed, createNotifier } from '../adapters/notify/index.ts';
import type { EngineRuntime } from '../runtime/engine-runtime.ts';
import type { PersistenceSink } from '../runtime/persistence.ts';
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
  notifyGuard(reason: string, ts: number): void;
  stop(): Promise<void>;
}

export function attachPeripherals(
  config: BotConfig,
  deps: { readonly runtime: EngineRuntime; readonly sink: PersistenceSink; readonly logger: Logger },
): Peripherals {
  const { runtime, sink, logger } = deps;
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
    logger.info({ command }, 'LLM trade notes on: a note is requested after each new entry');
  } else if (command !== 'off') {
    logger.info(
      { command },
      `LLM trade notes off: "${command}" is not on PATH (set LLM_NOTES_COMMAND to another model CLI)`,
    );
  }
  let notify: ((reason: string, ts: number) => void) | null = null;
  if (config.discordWebhookUrl || (config.telegramBotToken && config.telegramChatId)) {
    const notifier = createNotifier({
      ...(config.discordWebhookUrl ? { discord: { webhookUrl: config.discordWebhookUrl } } : {}),
      ...(config.telegramBotToken && config.telegramChatId
        ? { telegram: { botToken: config.telegramBotToken, chatId: config.telegramChatId } }
        : {}),
      logger,
    });
    const feed = createNotificationFeed((event) => notifier.notify(event));
    runtime.outputs$.subscribe((output) => feed(output as Parameters<typeof feed>[0]));
    notify = (reason, ts) => notifier.notify({ kind: 'guard', ts, guard: 'risk', reason });
    stops.push(async () => {
      await notifier.flush().catch(() => {});
      notifier.stop();
    });
  }
  return {
    notifyGuard: (reason, ts) => notify?.(reason, ts),
    async stop() {
      for (const stop of stops) await stop().catch(() => {});
    },
  };
}
