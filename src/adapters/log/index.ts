/** Logs: pino with secret redaction by key and by registered value. */
export * from './logger.ts';
export * from './secrets.ts';
export * from './sink-logger.ts';
