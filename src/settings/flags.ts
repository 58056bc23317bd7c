/** `riskPerTrade` → `risk-per-trade`: the command-line flag of each bot setting. */
export function settingFlag(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
}
