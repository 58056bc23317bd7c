/**
 * Transport and session for the ProjectX REST API: one login per credential, bearer token on every
 * call, refresh well before the 24 h expiry, envelope decoding, client-side rate limits, backoff on
 * 429 for reads. Mutations are never retried here, except after a 401 (the server did not run them).
 * The API key and the token never appear in logs or errors.
 */
import { ProjectXAuthError, ProjectXError, ProjectXHttpError } from './errors.ts';
import { type AdapterLogger, silentLogger } from './log.ts';
import { SlidingWindowLimiter, systemTime, type TimeSource } from './rate-limit.ts';

export interface ProjectXCredentials {
  readonly userName: string;
  readonly apiKey: string;
}

export interface RetryPolicy {
  /** Attempts for a read, including the first. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface ProjectXHttpOptions {
  readonly baseUrl: string;
  readonly credentials: ProjectXCredentials;
  readonly time?: TimeSource;
  /** Per-request timeout, ms (default 10 s). A mutation that times out is ambiguous. */
  readonly requestTimeoutMs?: number;
  /** Refresh the token this long after it was issued (default 20 h; tokens live 24 h). */
  readonly refreshAfterMs?: number;
  readonly generalLimit?: { readonly limit: number; readonly windowMs: number };
  readonly barsLimit?: { readonly limit: number; readonly windowMs: number };
  readonly readRetry?: RetryPolicy;
  readonly logger?: AdapterLogger;
}

export type CallKind = 'read' | 'mutation';

type Envelope = Record<string, unknown> & { success?: unknown; errorCode?: unknown; errorMessage?: unknown };

const LOGIN = '/api/Auth/loginKey';
const VALIDATE = '/api/Auth/validate';
const BARS = '/api/History/retrieveBars';

export class ProjectXHttp {
  readonly baseUrl: string;
  private readonly credentials: ProjectXCredentials;
  readonly time: TimeSource;
  private readonly timeoutMs: number;
  private readonly refreshAfterMs: number;
  private readonly general: SlidingWindowLimiter;
  private readonly bars: SlidingWindowLimiter;
  private readonly retry: RetryPolicy;
  private readonly log: AdapterLogger;
  private token: string | null = null;
  private tokenIssuedAt = 0;
  private pendingAuth: Promise<string> | null = null;
  private readonly tokenListeners = new Set<(token: string) => void>();

  constructor(options: ProjectXHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.time = options.time ?? systemTime;
    this.timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.refreshAfterMs = options.refreshAfterMs ?? 20 * 3_600_000;
    const g = options.generalLimit ?? { limit: 200, windowMs: 60_000 };
    const b = options.barsLimit ?? { limit: 50, windowMs: 30_000 };
    this.general = new SlidingWindowLimiter(g.limit, g.windowMs, this.time);
    this.bars = new SlidingWindowLimiter(b.limit, b.windowMs, this.time);
    this.retry = options.readRetry ?? { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };
    this.log = options.logger ?? silentLogger;
  }

  /** The current token, logging in or refreshing first when needed. */
  async currentToken(): Promise<string> {
    if (this.pendingAuth) return this.pendingAuth;
    if (this.token === null) return this.authenticate('login');
    if (this.time.now() - this.tokenIssuedAt >= this.refreshAfterMs) return this.authenticate('refresh');
    return this.token;
  }

  /** The token as last known, without any network call (for the hub URL's query copy). */
  peekToken(): string | null {
    return this.token;
  }

  /** Validate now (or log in again when validation fails): used before hub reconnects. */
  refreshToken(): Promise<string> {
    return this.authenticate(this.token === null ? 'login' : 'refresh');
  }

  /** Forget the token (after GatewayLogout or a 401) and log in again. */
  relogin(): Promise<string> {
    this.token = null;
    return this.authenticate('login');
  }

  onToken(listener: (token: string) => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  /** POST an endpoint and return the decoded envelope when `success` is true. */
  async call(endpoint: string, body: unknown, kind: CallKind): Promise<Envelope> {
    let attempt = 0;
    let reauthenticated = false;
    for (;;) {
      attempt++;
      const token = await this.currentToken();
      try {
        return await this.send(endpoint, body, token);
      } catch (error) {
        if (!(error instanceof ProjectXHttpError)) throw error;
        if (error.status === 401 && !reauthenticated) {
          // The server refused the token before running anything: safe to log in again and repeat once.
          reauthenticated = true;
          this.log.warn({ endpoint }, 'projectx: token refused (401); logging in again');
          if (this.token === token) await this.relogin();
          attempt--;
          continue;
        }
        const retriable =
          kind === 'read' && (error.status === 429 || error.status === 0 || error.status >= 500);
        if (!retriable || attempt >= this.retry.maxAttempts) throw error;
        // The server's Retry-After, when it sends one, says when to come back; otherwise back off
        // exponentially. (Waiting longer than asked kept a protective stop's lookup out for a minute.)
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        const delay =
          error.retryAfterMs !== undefined && error.retryAfterMs !== null
            ? Math.max(0, error.retryAfterMs)
            : backoff;
        this.log.warn(
          { endpoint, status: error.status, attempt, delayMs: delay },
          'projectx: read failed; backing off',
        );
        await this.time.sleep(delay);
      }
    }
  }

  /** GET /api/Status/ping → true when the server answers `pong`. */
  async ping(): Promise<boolean> {
    const response = await fetch(`${this.baseUrl}/api/Status/ping`, {
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return response.ok && (await response.text()).trim().replace(/^"|"$/g, '') === 'pong';
  }

  private async send(endpoint: string, body: unknown, token: string | null): Promise<Envelope> {
    await (endpoint === BARS ? this.bars : this.general).acquire();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(this.baseUrl + endpoint, {
        method: 'POST',
        headers,
        body: body === undefined ? '' : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      const detail = timedOut
        ? `no answer within ${this.timeoutMs} ms`
        : `network error (${describe(error)})`;
      throw new ProjectXHttpError(endpoint, 0, detail, true);
    }
    const text = await response.text().catch(() => '');
    if (response.status !== 200) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), this.time.now());
      const delivered = response.status === 429 || response.status >= 500;
      throw new ProjectXHttpError(endpoint, response.status, shorten(text), delivered, retryAfter);
    }
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      throw new ProjectXHttpError(endpoint, 200, `body is not JSON: ${shorten(text)}`, true);
    }
    if (envelope === null || typeof envelope !== 'object') {
      throw new ProjectXHttpError(endpoint, 200, 'body is not a JSON object', true);
    }
    const code = typeof envelope.errorCode === 'number' ? envelope.errorCode : 0;
    const message = typeof envelope.errorMessage === 'string' ? envelope.errorMessage : null;
    if (envelope.success === true && code === 0) return envelope;
    if (envelope.success === true || (envelope.success === false && code === 0)) {
      throw new ProjectXError(
        endpoint,
        code,
        `inconsistent envelope (success=${String(envelope.success)})${message ? `: ${message}` : ''}`,
      );
    }
    throw new ProjectXError(endpoint, code, message);
  }

  private authenticate(mode: 'login' | 'refresh'): Promise<string> {
    if (this.pendingAuth) return this.pendingAuth;
    const run = (mode === 'refresh' ? this.validate() : this.login()).finally(() => {
      this.pendingAuth = null;
    });
    this.pendingAuth = run;
    return run;
  }

  private async login(): Promise<string> {
    let envelope: Envelope;
    try {
      envelope = await this.send(
        LOGIN,
        { userName: this.credentials.userName, apiKey: this.credentials.apiKey },
        null,
      );
    } catch (error) {
      if (error instanceof ProjectXError) {
        throw new ProjectXAuthError(
          `ProjectX login for user "${this.credentials.userName}" failed: ${error.codeName} (errorCode ${error.code})${error.serverMessage ? `: ${error.serverMessage}` : ''}. Check PROJECTX_USERNAME and PROJECTX_API_KEY (API key from the TopstepX dashboard).`,
        );
      }
      throw error;
    }
    const token = envelope.token;
    if (typeof token !== 'string' || token === '')
      throw new ProjectXAuthError('ProjectX login answered success without a token');
    this.setToken(token);
    this.log.info({ userName: this.credentials.userName }, 'projectx: logged in');
    return token;
  }

  private async validate(): Promise<string> {
    const old = this.token;
    try {
      const envelope = await this.send(VALIDATE, undefined, old);
      const fresh =
        typeof envelope.newToken === 'string' && envelope.newToken !== '' ? envelope.newToken : old;
      if (fresh === null) return this.login();
      this.setToken(fresh);
      this.log.debug({}, 'projectx: token refreshed');
      return fresh;
    } catch (error) {
      this.log.warn({ error: describe(error) }, 'projectx: token refresh failed; logging in again');
      return this.login();
    }
  }

  private setToken(token: string): void {
    this.token = token;
    this.tokenIssuedAt = this.time.now();
    for (const listener of this.tokenListeners) listener(token);
  }
}

function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

export function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
