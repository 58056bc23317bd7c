/**
 * One SignalR hub connection that never gives up: `withAutomaticReconnect` with a policy that always
 * answers a delay, plus a restart loop when the connection closes for good. The token goes in the URL
 * (`access_token`) and through `accessTokenFactory`; both copies are kept current. Every subscription
 * is replayed after each (re)connect. Activity (any frame, pings included) is time-stamped for the
 * watchdog.
 */
import {
  HttpTransportType,
  type HubConnection,
  HubConnectionBuilder,
  HubConnectionState,
  type ILogger,
  LogLevel,
} from '@microsoft/signalr';
import { describe } from './http.ts';
import { type AdapterLogger, silentLogger } from './log.ts';

export interface HubLinkOptions {
  readonly name: 'user' | 'market';
  readonly url: string;
  /** Current token; called for every connect and reconnect attempt. */
  readonly token: (fresh: boolean) => Promise<string>;
  readonly peekToken: () => string | null;
  readonly now: () => number;
  /** Reconnect backoff: first delay and cap, ms. */
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  /** The client drops a connection after this long without any frame (default 30 s). */
  readonly serverTimeoutMs?: number;
  readonly keepAliveMs?: number;
  readonly logger?: AdapterLogger;
  /** Called after the first connect and after every reconnect/restart, once subscriptions are replayed. */
  readonly onConnected: (kind: 'connected' | 'reconnected') => void;
  readonly onDisconnected: (reason: string) => void;
}

/** A hub method call to replay after every reconnect, e.g. ['SubscribeOrders', 1001]. */
export type Subscription = readonly [method: string, ...args: (string | number)[]];

export class HubLink {
  private connection: HubConnection;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly handlers: [string, (...args: unknown[]) => void][] = [];
  private stopping = false;
  private restarting: Promise<void> | null = null;
  private wantFreshToken = false;
  private lastFrameAt = 0;
  private readonly log: AdapterLogger;

  constructor(private readonly options: HubLinkOptions) {
    this.log = options.logger ?? silentLogger;
    this.connection = this.build();
  }

  get state(): HubConnectionState {
    return this.connection.state;
  }

  /** Epoch ms of the last frame received (pings included), 0 before the first. */
  get lastActivityAt(): number {
    return this.lastFrameAt;
  }

  /** Register an event handler once (SignalR matches names case-insensitively). */
  on(event: string, handler: (...args: unknown[]) => void): void {
    this.handlers.push([event, handler]);
    this.connection.on(event, handler);
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.connection.start();
    this.lastFrameAt = this.options.now();
    await this.replay();
    this.options.onConnected('connected');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.connection.stop();
  }

  /** Add a subscription: invoked now when connected, and replayed after every reconnect. */
  async subscribe(subscription: Subscription): Promise<void> {
    const key = subscription.join('|');
    this.subscriptions.set(key, subscription);
    if (this.connection.state === HubConnectionState.Connected) await this.invoke(subscription);
  }

  async unsubscribe(subscription: Subscription, unsubscribeMethod: string): Promise<void> {
    this.subscriptions.delete(subscription.join('|'));
    if (this.connection.state === HubConnectionState.Connected) {
      await this.connection.invoke(unsubscribeMethod, ...subscription.slice(1)).catch(() => undefined);
    }
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  /** Drop the connection and connect again with a fresh token (after GatewayLogout or a stale stream). */
  async restart(reason: string): Promise<void> {
    this.log.warn({ hub: this.options.name, reason }, 'projectx hub: restarting');
    this.stopping = true;
    await this.connection.stop().catch(() => undefined);
    this.stopping = false;
    this.wantFreshToken = true;
    await this.restartLoop();
  }

  private build(): HubConnection {
    const { options } = this;
    const initial = options.reconnectInitialMs ?? 1_000;
    const max = options.reconnectMaxMs ?? 30_000;
    const connection = new HubConnectionBuilder()
      .withUrl(this.urlWithToken(options.peekToken()), {
        skipNegotiation: true,
        transport: HttpTransportType.WebSockets,
        accessTokenFactory: () => this.tokenForAttempt(),
      })
      // Never give up: the default policy stops after four attempts (§9.5).
      .withAutomaticReconnect({
        nextRetryDelayInMilliseconds: (context) => {
          if (context.previousRetryCount > 0) this.wantFreshToken = true;
          this.refreshUrl();
          return Math.min(
            max,
            context.previousRetryCount === 0 ? 0 : initial * 2 ** (context.previousRetryCount - 1),
          );
        },
      })
      .configureLogging(signalrLogger(this.log, options.name))
      .build();
    connection.serverTimeoutInMilliseconds = options.serverTimeoutMs ?? 30_000;
    connection.keepAliveIntervalInMilliseconds = options.keepAliveMs ?? 15_000;
    // Time-stamp every frame (pings included) for the watchdog. HubConnection keeps its transport
    // connection private; wrapping its receive callback is the only way to see pings.
    const inner = (connection as unknown as { connection: { onreceive: ((data: unknown) => void) | null } })
      .connection;
    const receive = inner.onreceive;
    inner.onreceive = (data) => {
      this.lastFrameAt = this.options.now();
      receive?.(data);
    };
    connection.onreconnecting((error) => {
      this.wantFreshToken = true;
      this.refreshUrl();
      options.onDisconnected(`reconnecting${error ? `: ${error.message}` : ''}`);
    });
    connection.onreconnected(() => {
      this.lastFrameAt = this.options.now();
      void this.replay()
        .then(() => options.onConnected('reconnected'))
        .catch((error) => {
          this.log.warn(
            { hub: options.name, error: describe(error) },
            'projectx hub: replay failed; restarting',
          );
          void this.restart('subscription replay failed');
        });
    });
    connection.onclose((error) => {
      if (this.stopping) return;
      options.onDisconnected(`closed${error ? `: ${error.message}` : ''}`);
      void this.restartLoop();
    });
    for (const [event, handler] of this.handlers) connection.on(event, handler);
    return connection;
  }

  private restartLoop(): Promise<void> {
    if (this.restarting) return this.restarting;
    const initial = this.options.reconnectInitialMs ?? 1_000;
    const max = this.options.reconnectMaxMs ?? 30_000;
    const run = async () => {
      for (let attempt = 0; !this.stopping; attempt++) {
        try {
          this.wantFreshToken = true;
          // Rebuild the URL with a current token before starting again (allowed while Disconnected).
          await this.options.token(true).catch(() => undefined);
          this.refreshUrl();
          if (this.stopping) return;
          if (this.connection.state === HubConnectionState.Disconnected) await this.connection.start();
          this.lastFrameAt = this.options.now();
          await this.replay();
          this.options.onConnected('reconnected');
          return;
        } catch (error) {
          const delay = Math.min(max, initial * 2 ** Math.min(attempt, 16));
          this.log.warn(
            { hub: this.options.name, attempt, delayMs: delay, error: describe(error) },
            'projectx hub: restart failed',
          );
          await this.connection.stop().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    };
    this.restarting = run().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  private async tokenForAttempt(): Promise<string> {
    const fresh = this.wantFreshToken;
    this.wantFreshToken = false;
    return this.options.token(fresh);
  }

  private refreshUrl(): void {
    const state = this.connection?.state;
    if (state === HubConnectionState.Disconnected || state === HubConnectionState.Reconnecting) {
      this.connection.baseUrl = this.urlWithToken(this.options.peekToken());
    }
  }

  private urlWithToken(token: string | null): string {
    const url = new URL(this.options.url);
    url.searchParams.delete('access_token');
    if (token) url.searchParams.set('access_token', token);
    return url.toString();
  }

  private async replay(): Promise<void> {
    for (const subscription of this.subscriptions.values()) await this.invoke(subscription);
  }

  private async invoke(subscription: Subscription): Promise<void> {
    const [method, ...args] = subscription;
    await this.connection.invoke(method, ...args);
  }
}

/** SignalR's own log lines, routed to the adapter logger without URLs (they carry the token). */
function signalrLogger(log: AdapterLogger, hub: string): ILogger {
  return {
    log(level: LogLevel, message: string) {
      const text = message.replace(/access_token=[^&\s'"]+/g, 'access_token=***');
      if (level >= LogLevel.Error) log.warn({ hub }, `signalr: ${text}`);
      else if (level >= LogLevel.Warning) log.debug({ hub }, `signalr: ${text}`);
    },
  };
}
