/** Optional Discord/Telegram notifications on entries, exits, rejections and guard breaches. */
export * from './channels.ts';
export * from './feed.ts';
export * from './messages.ts';
export * from './notifier.ts';
