/** TradingView-style alert bodies for the relay tests, fired "now" so they are never stale. */

export const SECRET = 'edge-test-secret-7f3a9c';

export function alertJson(fields: Record<string, unknown> = {}): string {
  return JSON.stringify({
    symbol: 'ES1!',
    action: 'buy',
    time: new Date().toISOString(),
    strategy: 'value area',
    ...fields,
  });
}

export interface Posted {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Posted> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
}

/** The URL TradingView is given: the function path with the secret as the last segment. */
export function webhookUrl(base: string, secret: string = SECRET): string {
  return `${base}/functions/v1/tradingview-webhook/${encodeURIComponent(secret)}`;
}
