/**
 * The slice of a pino logger that sinks and observers use (notes, notifications, inspector, status).
 * A pino Logger from createLogger fits; tests pass a recorder. Never put secrets in fields.
 */
export interface SinkLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const noop = (): void => undefined;
export const silentSinkLogger: SinkLogger = { debug: noop, info: noop, warn: noop, error: noop };

export interface RecordedLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly message: string;
}

/** A logger that keeps what it is told, for tests. */
export function recordingSinkLogger(): SinkLogger & { readonly lines: RecordedLine[] } {
  const lines: RecordedLine[] = [];
  const at =
    (level: RecordedLine['level']) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
