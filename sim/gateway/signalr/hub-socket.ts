/**
 * Server side of one SignalR connection over WebSocket with the JSON hub protocol
 * (HubProtocol.md; projectx-gateway.md §9): handshake, 0x1E record framing in both directions,
 * server pings, invocations answered by completions, close messages. Knows nothing about trading:
 * the hub supplies the methods.
 */
import type { WebSocket } from 'ws';

export const RECORD_SEPARATOR = '\u001e';

export type HubMethod = (socket: HubSocket, args: unknown[]) => unknown;

export interface HubSocketOptions {
  connectionId: string;
  /** Methods by lower-cased name: SignalR resolves names case-insensitively (§9.6). */
  methods: ReadonlyMap<string, { name: string; arity: number; run: HubMethod }>;
  pingIntervalMs: number;
  handshakeTimeoutMs: number;
  onClosed: (socket: HubSocket) => void;
}

/** Splits incoming text into complete records; a partial record waits for the next frame. */
export class RecordReader {
  private pending = '';

  push(text: string): string[] {
    this.pending += text;
    const parts = this.pending.split(RECORD_SEPARATOR);
    this.pending = parts.pop() ?? '';
    return parts.filter((part) => part.length > 0);
  }
}

export class HubSocket {
  readonly connectionId: string;
  private readonly reader = new RecordReader();
  private handshakeDone = false;
  private closed = false;
  private outgoing: string[] = [];
  private flushScheduled = false;
  private pingTimer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  /** Events are dropped (not queued) while stalled; pings and completions still flow. */
  stalled = false;
  /** No pings at all: exercises the client's server-timeout. */
  silent = false;
  /** Free-form per-connection state owned by the hub (subscriptions, last quotes). */
  readonly state = new Map<string, unknown>();

  constructor(
    private readonly ws: WebSocket,
    private readonly options: HubSocketOptions,
  ) {
    this.connectionId = options.connectionId;
    ws.on('message', (data, isBinary) => {
      const text = Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Buffer.from(data).toString('utf8');
      this.receive(text, isBinary);
    });
    ws.on('close', () => this.teardown());
    ws.on('error', () => this.teardown());
    this.handshakeTimer = setTimeout(() => {
      if (!this.handshakeDone) this.closeWithError('Handshake was canceled.');
    }, options.handshakeTimeoutMs);
  }

  get isOpen(): boolean {
    return !this.closed && this.handshakeDone;
  }

  private receive(text: string, _isBinary: boolean): void {
    for (const record of this.reader.push(text)) {
      if (this.closed) return;
      let message: unknown;
      try {
        message = JSON.parse(record);
      } catch {
        this.closeWithError(`Error parsing message: invalid JSON '${record.slice(0, 80)}'`);
        return;
      }
      if (!this.handshakeDone) this.handshake(message);
      else this.dispatch(message);
    }
  }

  private handshake(message: unknown): void {
    const request = message as { protocol?: unknown; version?: unknown } | null;
    if (!request || typeof request !== 'object' || request.protocol !== 'json' || request.version !== 1) {
      const protocol = request && typeof request === 'object' ? String(request.protocol) : 'none';
      this.writeRecord(JSON.stringify({ error: `The protocol '${protocol}' is not supported.` }));
      this.flush();
      this.ws.close(1000);
      this.teardown();
      return;
    }
    this.handshakeDone = true;
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.writeRecord('{}');
    this.schedulePing();
  }

  private dispatch(message: unknown): void {
    if (!message || typeof message !== 'object') return;
    const { type } = message as { type?: unknown };
    if (type === 6) return; // client keep-alive
    if (type === 7) {
      this.ws.close(1000);
      this.teardown();
      return;
    }
    if (type !== 1) return;
    const invocation = message as { invocationId?: unknown; target?: unknown; arguments?: unknown };
    const invocationId = typeof invocation.invocationId === 'string' ? invocation.invocationId : null;
    const target = typeof invocation.target === 'string' ? invocation.target : '';
    const args = Array.isArray(invocation.arguments) ? invocation.arguments : [];
    const method = this.options.methods.get(target.toLowerCase());
    if (!method) {
      // Stock ASP.NET Core: Completion error for invoke, silence for send.
      if (invocationId !== null) this.complete(invocationId, { error: `Unknown hub method '${target}'` });
      return;
    }
    if (args.length !== method.arity) {
      if (invocationId !== null) {
        this.complete(invocationId, {
          error: `Failed to invoke '${method.name}' due to an error on the server. InvalidDataException: Invocation provides ${args.length} argument(s) but target expects ${method.arity}.`,
        });
      }
      return;
    }
    try {
      const result = method.run(this, args);
      if (invocationId !== null) this.complete(invocationId, result === undefined ? {} : { result });
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (invocationId !== null) {
        this.complete(invocationId, {
          error: `Failed to invoke '${method.name}' due to an error on the server. ${text}`,
        });
      }
    }
  }

  private complete(invocationId: string, body: { result?: unknown; error?: string }): void {
    this.writeRecord(JSON.stringify({ type: 3, invocationId, ...body }));
  }

  /** A server-to-client event (invocation without id). Dropped while stalled. */
  sendEvent(target: string, args: unknown[], encode: (value: unknown) => string = JSON.stringify): void {
    if (!this.isOpen || this.stalled) return;
    this.writeRecord(encode({ type: 1, target, arguments: args }));
  }

  /** A server event that bypasses a stall (GatewayLogout, scenario injection). */
  sendEventAlways(target: string, args: unknown[]): void {
    if (!this.isOpen) return;
    this.writeRecord(JSON.stringify({ type: 1, target, arguments: args }));
  }

  /** Close message (type 7), then the socket. */
  close(options: { error?: string; allowReconnect?: boolean } = {}): void {
    if (this.closed) return;
    const body: { type: 7; error?: string; allowReconnect?: boolean } = { type: 7 };
    if (options.error !== undefined) body.error = options.error;
    if (options.allowReconnect) body.allowReconnect = true;
    this.writeRecord(JSON.stringify(body));
    this.flush();
    this.ws.close(1000);
    this.teardown();
  }

  /** Abrupt drop: no close message, no close frame. */
  drop(): void {
    this.ws.terminate();
    this.teardown();
  }

  private closeWithError(error: string): void {
    this.close({ error });
  }

  /** Records written in one event-loop turn leave in one frame, as several 0x1E-terminated records. */
  private writeRecord(json: string): void {
    if (this.closed) return;
    this.outgoing.push(json + RECORD_SEPARATOR);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outgoing.length === 0 || this.ws.readyState !== this.ws.OPEN) {
      this.outgoing = [];
      return;
    }
    const frame = this.outgoing.join('');
    this.outgoing = [];
    this.ws.send(frame);
  }

  private schedulePing(): void {
    this.pingTimer = setInterval(() => {
      if (!this.silent && this.isOpen) this.writeRecord('{"type":6}');
    }, this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.options.onClosed(this);
  }
}
