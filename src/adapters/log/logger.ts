/**
 * Structured JSON logs (pino): one JSON object per line, levels, pretty output only on a terminal.
 * Secrets are removed twice: fields with secret names are replaced before serialisation, and every
 * finished line is scrubbed of the registered secret values (messages, error texts, URLs included).
 */
import pino, { type LevelWithSilent, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { defaultSecrets, redactDeep, type SecretRegistry } from '../../domain/secrets.ts';

export type { Logger } from 'pino';
export type LogLevel = LevelWithSilent;

export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Where lines go: anything with `write(string)`; `isTTY` decides pretty output in 'auto' mode. */
export interface LogDestination {
  write(line: string): unknown;
  readonly isTTY?: boolean;
}

export interface LoggerOptions {
  readonly level: string;
  /** true: always pretty; false: always JSON; 'auto' (default): pretty when the destination is a TTY. */
  readonly pretty?: boolean | 'auto';
  /** Default: process.stdout. */
  readonly destination?: LogDestination;
  /** Default: the process-wide registry fed by `registerSecret`. */
  readonly secrets?: SecretRegistry;
  /** Colours in pretty output; default: on unless NO_COLOR is set. */
  readonly color?: boolean;
  /** Fields on every line (e.g. { app: 'valuearea' }). */
  readonly base?: Record<string, unknown>;
}

/** Throws an error that names the setting and the accepted values when `level` is unknown. */
export function parseLogLevel(level: string): LogLevel {
  const normalised = level.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(normalised)) return normalised as LogLevel;
  throw new Error(`LOG_LEVEL: unknown level "${level}"; use one of ${LOG_LEVELS.join(', ')}`);
}

export function createLogger(options: LoggerOptions): Logger {
  const level = parseLogLevel(options.level);
  const secrets = options.secrets ?? defaultSecrets;
  const target: LogDestination = options.destination ?? process.stdout;
  const pretty =
    options.pretty === 'auto' || options.pretty === undefined ? target.isTTY === true : options.pretty;
  const color = options.color ?? process.env.NO_COLOR === undefined;
  const prettify = pretty
    ? prettyFactory({ colorize: color, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : null;
  const destination = {
    write(line: string): void {
      const clean = secrets.scrub(line);
      target.write(prettify ? prettify(clean) : clean);
    },
  };
  return pino(
    {
      level,
      base: options.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors are already plain objects from redactDeep (type, message, stack, cause, own fields).
      serializers: { err: (value: unknown) => value },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactDeep(object, secrets) as Record<string, unknown>,
        bindings: (bindings) => redactDeep(bindings, secrets) as Record<string, unknown>,
      },
    },
    destination,
  );
}
