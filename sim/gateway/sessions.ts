/**
 * Session tokens of the fake: JWT-shaped (so clients that read `exp` work) but opaque to the server,
 * which only looks them up. Ids come from a counter and the clock; nothing random.
 */

export type TokenCheck =
  | { ok: true; userName: string }
  | { ok: false; reason: 'missing' | 'unknown' | 'expired' };

interface Session {
  userName: string;
  expiresAt: number;
  revoked: boolean;
}

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private counter = 0;

  constructor(
    private readonly now: () => number,
    private readonly lifetimeMs: number,
  ) {}

  issue(userName: string): string {
    this.counter += 1;
    const issuedAt = this.now();
    const expiresAt = issuedAt + this.lifetimeMs;
    const header = base64Url(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64Url(
      JSON.stringify({
        sub: userName,
        jti: `local-${this.counter}`,
        iat: Math.floor(issuedAt / 1000),
        exp: Math.floor(expiresAt / 1000),
      }),
    );
    const token = `${header}.${payload}.local${this.counter}`;
    this.sessions.set(token, { userName, expiresAt, revoked: false });
    return token;
  }

  check(token: string | null): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const session = this.sessions.get(token);
    if (!session || session.revoked) return { ok: false, reason: 'unknown' };
    if (this.now() >= session.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, userName: session.userName };
  }

  revoke(token: string): void {
    const session = this.sessions.get(token);
    if (session) session.revoked = true;
  }

  /** Revoke every token except `keep`. */
  revokeAll(keep?: string): void {
    for (const [token, session] of this.sessions) if (token !== keep) session.revoked = true;
  }

  /** Every current token becomes expired (401), as if 24 h had passed. */
  expireAll(): void {
    const now = this.now();
    for (const session of this.sessions.values()) session.expiresAt = Math.min(session.expiresAt, now);
  }
}

function base64Url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Bearer token from an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1]!.trim() : null;
}
