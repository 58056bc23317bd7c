/**
 * ProjectX settings from the environment. Errors name the variable and the fix; the API key never
 * appears in an error, a log line or `String(config)`.
 */

export interface ProjectXConfig {
  readonly userName: string;
  readonly apiKey: string;
  readonly apiUrl: string;
  readonly userHubUrl: string;
  readonly marketHubUrl: string;
  /** PROJECTX_ACCOUNT_ID when set; otherwise the caller picks (e.g. the only tradable account). */
  readonly accountId: number | undefined;
}

export const DEFAULT_API_URL = 'https://api.topstepx.com';
export const DEFAULT_USER_HUB_URL = 'https://rtc.topstepx.com/hubs/user';
export const DEFAULT_MARKET_HUB_URL = 'https://rtc.topstepx.com/hubs/market';

export class ProjectXConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`ProjectX settings are not usable:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ProjectXConfigError';
  }
}

function url(
  env: Record<string, string | undefined>,
  name: string,
  fallback: string,
  problems: string[],
): string {
  const value = env[name]?.trim() || fallback;
  try {
    const parsed = new URL(value);
    if (!/^(https?|wss?):$/.test(parsed.protocol)) throw new Error('protocol');
    return value.replace(/\/+$/, '');
  } catch {
    problems.push(`${name} "${value}" is not an http(s) URL; e.g. ${fallback}`);
    return fallback;
  }
}

export function loadProjectXConfig(env: Record<string, string | undefined> = process.env): ProjectXConfig {
  const problems: string[] = [];
  const userName = env.PROJECTX_USERNAME?.trim() ?? '';
  const apiKey = env.PROJECTX_API_KEY?.trim() ?? '';
  if (!userName) problems.push('PROJECTX_USERNAME is missing: set it to your TopstepX user name in .env');
  if (!apiKey)
    problems.push(
      'PROJECTX_API_KEY is missing: create an API key in the TopstepX dashboard (API access) and put it in .env',
    );
  else if (/\s/.test(apiKey))
    problems.push('PROJECTX_API_KEY contains whitespace: copy the key again without spaces or line breaks');
  const apiUrl = url(env, 'PROJECTX_API_URL', DEFAULT_API_URL, problems);
  const userHubUrl = url(env, 'PROJECTX_USER_HUB_URL', DEFAULT_USER_HUB_URL, problems);
  const marketHubUrl = url(env, 'PROJECTX_MARKET_HUB_URL', DEFAULT_MARKET_HUB_URL, problems);
  let accountId: number | undefined;
  const rawAccount = env.PROJECTX_ACCOUNT_ID?.trim();
  if (rawAccount) {
    accountId = Number(rawAccount);
    if (!Number.isInteger(accountId) || accountId <= 0) {
      problems.push(
        `PROJECTX_ACCOUNT_ID "${rawAccount}" is not a positive whole number: use the account id shown by Account/search`,
      );
      accountId = undefined;
    }
  }
  if (problems.length > 0) throw new ProjectXConfigError(problems);
  const config: ProjectXConfig = { userName, apiKey, apiUrl, userHubUrl, marketHubUrl, accountId };
  // Keep the key out of accidental logging (console.log, JSON.stringify, util.inspect).
  Object.defineProperty(config, 'apiKey', { value: apiKey, enumerable: false });
  return config;
}
