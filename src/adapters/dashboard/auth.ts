/**
 * Access rules. Loopback (the default bind): the API is open and read-only. Exposed (any other
 * host): every /api route needs the token (Authorization: Bearer <token> or ?token=, the latter for
 * EventSource). Control actions always need the token, so without DASHBOARD_TOKEN they are off.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host.trim().toLowerCase()) || /^127\./.test(host.trim());
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token the request carries, if any (header first). */
export function presentedToken(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (match?.[1]) return match[1].trim();
  }
  const query = req.query as Record<string, unknown> | undefined;
  const fromQuery = query?.token;
  return typeof fromQuery === 'string' && fromQuery.length > 0 ? fromQuery : null;
}

export function tokenMatches(expected: string, presented: string | null): boolean {
  // Compare digests: constant time, and no length leak.
  return presented !== null && timingSafeEqual(digest(expected), digest(presented));
}

export function requireToken(req: FastifyRequest, expected: string | undefined, forWhat: string): void {
  if (expected === undefined || expected.length === 0) {
    throw new ApiError(
      403,
      'forbidden',
      `${forWhat} is disabled: the dashboard is read-only until DASHBOARD_TOKEN is set (then send it as Authorization: Bearer <token>)`,
    );
  }
  const presented = presentedToken(req);
  if (presented === null) {
    throw new ApiError(
      401,
      'unauthorized',
      `${forWhat} needs the dashboard token: send Authorization: Bearer <token> or ?token=<token>`,
    );
  }
  if (!tokenMatches(expected, presented)) {
    throw new ApiError(
      401,
      'unauthorized',
      `the dashboard token is wrong: use the value of DASHBOARD_TOKEN the bot was started with`,
    );
  }
}
