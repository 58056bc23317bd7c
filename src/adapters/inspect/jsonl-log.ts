/**
 * Offline inspection log: one JSON line per XState inspection event (actor spawned, event received,
 * snapshot changed), for reading after the fact when Stately's hosted viewer is out of reach.
 *
 * It is an observer: `inspect` only stores a reference and the wall time of the line (never fed back
 * into a machine); serialisation and writing happen later in batches, off the engine's call stack.
 * The buffer is bounded: when the disk falls behind, the oldest lines are dropped and a `dropped`
 * line says how many. Never attach it to a backtest: every event of every actor would be logged.
 *
 * Line: { at (wall ISO time), kind (actor|event|snapshot|transition|microstep|action), actorId,
 * sessionId, systemId?, parentId?, rootId, eventType?, eventTs? (the event's own `ts`), sourceId?,
 * event?, value? (snapshot value), status?, action? }.
 */
import { appendFile, closeSync, openSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { type SinkLogger, silentSinkLogger } from '../../ports/logger.ts';

export interface JsonlInspectionLogOptions {
  /** Inspection event types to keep; default actor, event and snapshot. */
  readonly types?: readonly InspectionEvent['type'][];
  /** Include the received event object on `event` lines (default true). */
  readonly includeEvents?: boolean;
  /** Lines kept in memory at most before the oldest are dropped (default 10,000). */
  readonly maxBufferedLines?: number;
  /** Write at least this often, ms (default 250). */
  readonly flushIntervalMs?: number;
  /** Write as soon as this many lines wait (default 500). */
  readonly batchLines?: number;
  readonly logger?: SinkLogger;
  /** Wall time for the `at` field (tests pass a fixed one). */
  readonly now?: () => number;
}

export interface JsonlInspectionLog {
  /** Pass as the runtime's `inspect` option. */
  readonly inspect: (event: InspectionEvent) => void;
  /** Write everything buffered now. */
  flush(): Promise<void>;
  /** Flush and close the file. */
  close(): Promise<void>;
  readonly stats: { readonly written: number; readonly dropped: number; readonly buffered: number };
}

interface Pending {
  readonly at: number;
  readonly event: InspectionEvent;
  /** Actor events: the actor's state when it registered (read now, not at write time). */
  readonly actorValue?: unknown;
}

const DEFAULT_TYPES: readonly InspectionEvent['type'][] = [
  '@xstate.actor',
  '@xstate.event',
  '@xstate.snapshot',
];

interface ActorRefView {
  readonly id?: string;
  readonly sessionId: string;
  readonly systemId?: string;
  readonly _parent?: { readonly sessionId?: string };
}

function actorValueOf(event: InspectionEvent): unknown {
  try {
    return (event.actorRef.getSnapshot() as { value?: unknown } | undefined)?.value;
  } catch {
    return undefined; // not started yet
  }
}

function toLine(item: Pending, includeEvents: boolean): string {
  const { event } = item;
  const ref = event.actorRef as unknown as ActorRefView;
  const line: Record<string, unknown> = {
    at: new Date(item.at).toISOString(),
    kind: event.type.slice('@xstate.'.length),
    actorId: ref.id ?? ref.sessionId,
    sessionId: ref.sessionId,
    rootId: event.rootId,
  };
  if (ref.systemId !== undefined) line.systemId = ref.systemId;
  if (ref._parent?.sessionId !== undefined) line.parentId = ref._parent.sessionId;
  if ('event' in event) {
    line.eventType = event.event.type;
    const ts = (event.event as { ts?: unknown }).ts;
    if (typeof ts === 'number') line.eventTs = ts;
  }
  if (event.type === '@xstate.event') {
    if (event.sourceRef) line.sourceId = event.sourceRef.sessionId;
    if (includeEvents) line.event = event.event;
  }
  if ('snapshot' in event) {
    const snapshot = event.snapshot as { value?: unknown; status?: unknown };
    if (snapshot.value !== undefined) line.value = snapshot.value;
    line.status = snapshot.status;
  } else if (item.actorValue !== undefined) {
    line.value = item.actorValue;
  }
  if (event.type === '@xstate.action') line.action = event.action.type;
  try {
    return JSON.stringify(line);
  } catch (error) {
    // A cyclic or BigInt payload: keep the line, lose the payload.
    line.event = undefined;
    line.value = undefined;
    line.unserialisable = (error as Error).message;
    return JSON.stringify(line);
  }
}

export function createJsonlInspectionLog(
  path: string,
  options: JsonlInspectionLogOptions = {},
): JsonlInspectionLog {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (error) {
    throw new Error(
      `--inspect-log: cannot open "${path}" for appending (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); create the folder or choose another file`,
    );
  }
  const types = new Set(options.types ?? DEFAULT_TYPES);
  const includeEvents = options.includeEvents ?? true;
  const maxBuffered = options.maxBufferedLines ?? 10_000;
  const batchLines = options.batchLines ?? 500;
  const logger = options.logger ?? silentSinkLogger;
  const now = options.now ?? Date.now;
  let buffer: Pending[] = [];
  let dropped = 0;
  let droppedUnreported = 0;
  let written = 0;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  let soon: ReturnType<typeof setImmediate> | null = null;

  const timer = setInterval(() => void flush(), options.flushIntervalMs ?? 250);
  timer.unref();

  const writeText = (text: string): Promise<void> =>
    new Promise((resolve) => {
      appendFile(fd, text, (error) => {
        if (error) logger.warn({ err: error, path }, 'inspection log write failed; lines lost');
        resolve();
      });
    });

  function flush(): Promise<void> {
    if (buffer.length === 0 && droppedUnreported === 0) return chain;
    const batch = buffer;
    buffer = [];
    const lost = droppedUnreported;
    droppedUnreported = 0;
    chain = chain.then(() => {
      let text = '';
      if (lost > 0)
        text += `${JSON.stringify({ at: new Date(now()).toISOString(), kind: 'dropped', count: lost })}\n`;
      for (const item of batch) text += `${toLine(item, includeEvents)}\n`;
      written += batch.length;
      return writeText(text);
    });
    return chain;
  }

  const inspect = (event: InspectionEvent): void => {
    if (closed || !types.has(event.type)) return;
    buffer.push(
      event.type === '@xstate.actor'
        ? { at: now(), event, actorValue: actorValueOf(event) }
        : { at: now(), event },
    );
    if (buffer.length > maxBuffered) {
      buffer.shift();
      dropped++;
      droppedUnreported++;
    }
    if (buffer.length >= batchLines && soon === null) {
      soon = setImmediate(() => {
        soon = null;
        void flush();
      });
    }
  };

  return {
    inspect,
    flush,
    async close() {
      if (closed) return chain;
      closed = true;
      clearInterval(timer);
      if (soon !== null) clearImmediate(soon);
      await flush();
      closeSync(fd);
    },
    get stats() {
      return { written, dropped, buffered: buffer.length };
    },
  };
}
