/** The slice of a pino logger the adapter uses; silent by default. Never pass secrets in fields. */
export interface AdapterLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

const noop = () => undefined;
export const silentLogger: AdapterLogger = { debug: noop, info: noop, warn: noop, error: noop };
