/**
 * The sender's address, and TradingView's published sender addresses. X-Forwarded-For is read only
 * when the route trusts its proxy: otherwise anybody could claim to be TradingView.
 */

/** TradingView's webhook sender addresses (tradingview-alerts.md §1.1). */
export const TRADINGVIEW_ADDRESSES: readonly string[] = [
  '52.89.214.238',
  '34.212.75.30',
  '54.218.53.128',
  '52.32.178.7',
];

/** `::ffff:1.2.3.4` → `1.2.3.4`. */
export function normaliseAddress(address: string): string {
  const a = address.trim();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

/**
 * Client address: the socket's peer, or — with `trustedProxyHops` ≥ 1 — the X-Forwarded-For entry
 * added by the outermost trusted proxy (counting from the right, each proxy appends one entry).
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxyHops: number,
): string {
  const peer = normaliseAddress(socketAddress ?? '');
  if (trustedProxyHops <= 0 || forwardedFor === undefined) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const entries = header
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0);
  const entry = entries[entries.length - trustedProxyHops];
  return entry ? normaliseAddress(entry) : peer;
}

/** The path and query of a webhook URL with the token and any secret query parameter redacted. */
export function redactWebhookUrl(url: string): string {
  return url
    .replace(/(\/webhook\/tradingview\/)[^/?#]+/i, '$1[redacted]')
    .replace(/([?&](?:token|secret|passphrase|key)=)[^&#]*/gi, '$1[redacted]');
}
