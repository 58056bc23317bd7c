/** Shared helpers for the local gateway protocol tests: REST calls and real SignalR connections. */
import { HttpTransportType, type HubConnection, HubConnectionBuilder, LogLevel } from '@microsoft/signalr';
import {
  type LocalGateway,
  type LocalGatewayOptions,
  startLocalGateway,
} from '../../../sim/gateway/index.ts';

export interface Envelope {
  success: boolean;
  errorCode: number;
  errorMessage: string | null;
  [payload: string]: unknown;
}

export async function post(
  gateway: LocalGateway,
  path: string,
  body: unknown,
  token?: string | null,
): Promise<{ status: number; json: Envelope | null; text: string; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/plain' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(`${gateway.baseUrl}${path}`, {
    method: 'POST',
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Envelope | null = null;
  try {
    json = text ? (JSON.parse(text) as Envelope) : null;
  } catch {
    json = null;
  }
  return { status: response.status, json, text, headers: response.headers };
}

export async function login(gateway: LocalGateway): Promise<string> {
  const reply = await post(gateway, '/api/Auth/loginKey', { userName: 'demo', apiKey: 'demo-key' });
  if (!reply.json?.success || typeof reply.json['token'] !== 'string')
    throw new Error(`login failed: ${reply.text}`);
  return reply.json['token'];
}

export async function withGateway<T>(
  options: LocalGatewayOptions,
  run: (gateway: LocalGateway, token: string) => Promise<T>,
): Promise<T> {
  const gateway = await startLocalGateway({ rateLimits: false, ...options });
  try {
    const token = await login(gateway);
    return await run(gateway, token);
  } finally {
    await gateway.close();
  }
}

export type Connect = 'negotiate' | 'direct';

/** A real @microsoft/signalr connection, the way the docs build it (token in query and factory). */
export function hubConnection(
  url: string,
  token: string | (() => string),
  mode: Connect,
  configure?: (builder: HubConnectionBuilder) => HubConnectionBuilder,
): HubConnection {
  const current = typeof token === 'function' ? token : () => token;
  const builder = new HubConnectionBuilder()
    .withUrl(`${url}?access_token=${current()}`, {
      skipNegotiation: mode === 'direct',
      transport: HttpTransportType.WebSockets,
      accessTokenFactory: current,
    })
    .configureLogging(LogLevel.None);
  return (configure ? configure(builder) : builder).build();
}

/** Resolves with the arguments of the next `count` events named `target`. */
export function nextEvents(connection: HubConnection, target: string, count = 1): Promise<unknown[][]> {
  return new Promise((resolve) => {
    const seen: unknown[][] = [];
    const handler = (...args: unknown[]): void => {
      seen.push(args);
      if (seen.length === count) {
        connection.off(target, handler);
        resolve(seen);
      }
    };
    connection.on(target, handler);
  });
}

/** Polls `check` on the event loop until it holds (no wall-clock assertions: only a give-up bound). */
export async function until(check: () => boolean, what: string, attempts = 500): Promise<void> {
  for (let i = 0; i < attempts; i += 1) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
