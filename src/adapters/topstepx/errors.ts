/**
 * Typed errors of the ProjectX client. Business failures arrive as HTTP 200 with `success:false`;
 * each endpoint has its own errorCode enum (projectx-gateway.md §7), decoded here by endpoint.
 */

const LOGIN = [
  'Success',
  'UserNotFound',
  'PasswordVerificationFailed',
  'InvalidCredentials',
  'AppNotFound',
  'AppVerificationFailed',
  'InvalidDevice',
  'AgreementsNotSigned',
  'UnknownError',
  'ApiSubscriptionNotFound',
  'ApiKeyAuthenticationDisabled',
];
const VALIDATE = ['Success', 'InvalidSession', 'SessionNotFound', 'ExpiredToken', 'UnknownError'];
const LOGOUT = ['Success', 'InvalidSession', 'UnknownError'];
const PLACE = [
  'Success',
  'AccountNotFound',
  'OrderRejected',
  'InsufficientFunds',
  'AccountViolation',
  'OutsideTradingHours',
  'OrderPending',
  'UnknownError',
  'ContractNotFound',
  'ContractNotActive',
  'AccountRejected',
];
const MODIFY = [
  'Success',
  'AccountNotFound',
  'OrderNotFound',
  'Rejected',
  'Pending',
  'UnknownError',
  'AccountRejected',
  'ContractNotFound',
];
const CANCEL = [
  'Success',
  'AccountNotFound',
  'OrderNotFound',
  'Rejected',
  'Pending',
  'UnknownError',
  'AccountRejected',
];
const CLOSE = [
  'Success',
  'AccountNotFound',
  'PositionNotFound',
  'ContractNotFound',
  'ContractNotActive',
  'OrderRejected',
  'OrderPending',
  'UnknownError',
  'AccountRejected',
];
const PARTIAL = [
  'Success',
  'AccountNotFound',
  'PositionNotFound',
  'ContractNotFound',
  'ContractNotActive',
  'InvalidCloseSize',
  'OrderRejected',
  'OrderPending',
  'UnknownError',
  'AccountRejected',
];
const SEARCH = ['Success', 'AccountNotFound'];
const BARS = ['Success', 'ContractNotFound', 'UnitInvalid', 'UnitNumberInvalid', 'LimitInvalid'];

const CODE_NAMES: Record<string, readonly string[]> = {
  '/api/Auth/loginKey': LOGIN,
  '/api/Auth/validate': VALIDATE,
  '/api/Auth/logout': LOGOUT,
  '/api/Order/place': PLACE,
  '/api/Order/modify': MODIFY,
  '/api/Order/cancel': CANCEL,
  '/api/Position/closeContract': CLOSE,
  '/api/Position/partialCloseContract': PARTIAL,
  '/api/Order/search': SEARCH,
  '/api/Order/searchOpen': SEARCH,
  '/api/Order/v2/query': SEARCH,
  '/api/Position/searchOpen': SEARCH,
  '/api/Trade/search': SEARCH,
  '/api/Contract/searchById': ['Success', 'ContractNotFound'],
  '/api/Order/searchById': ['Success', 'OrderNotFound'],
  '/api/History/retrieveBars': BARS,
  '/api/Account/search': ['Success'],
  '/api/Contract/search': ['Success'],
  '/api/Contract/available': ['Success'],
};

/** Codes that leave a mutation's outcome unknown (Pending / UnknownError): reconcile, never blind-retry. */
const AMBIGUOUS_CODES: Record<string, readonly number[]> = {
  '/api/Order/place': [6, 7],
  '/api/Order/modify': [4, 5],
  '/api/Order/cancel': [4, 5],
  '/api/Position/closeContract': [6, 7],
  '/api/Position/partialCloseContract': [7, 8],
};

export function errorCodeName(endpoint: string, code: number): string {
  return CODE_NAMES[endpoint]?.[code] ?? `Code${code}`;
}

export function isAmbiguousCode(endpoint: string, code: number): boolean {
  return AMBIGUOUS_CODES[endpoint]?.includes(code) ?? false;
}

/** The server answered with `success:false` (or an inconsistent envelope). */
export class ProjectXError extends Error {
  readonly endpoint: string;
  readonly code: number;
  readonly codeName: string;
  readonly serverMessage: string | null;
  constructor(endpoint: string, code: number, serverMessage: string | null) {
    const name = errorCodeName(endpoint, code);
    super(`${endpoint} failed: ${name} (errorCode ${code})${serverMessage ? `: ${serverMessage}` : ''}`);
    this.name = 'ProjectXError';
    this.endpoint = endpoint;
    this.code = code;
    this.codeName = name;
    this.serverMessage = serverMessage;
  }
  get ambiguous(): boolean {
    return isAmbiguousCode(this.endpoint, this.code);
  }
}

/** Transport-level failure: HTTP status other than 200, unreadable body, network error or timeout. */
export class ProjectXHttpError extends Error {
  readonly endpoint: string;
  /** HTTP status, or 0 for a network error / timeout (no response). */
  readonly status: number;
  /** True when the request may have reached the server (so a mutation's outcome is unknown). */
  readonly maybeDelivered: boolean;
  readonly retryAfterMs: number | undefined;
  constructor(
    endpoint: string,
    status: number,
    detail: string,
    maybeDelivered: boolean,
    retryAfterMs?: number,
  ) {
    super(`${endpoint} failed: ${status === 0 ? detail : `HTTP ${status}${detail ? ` ${detail}` : ''}`}`);
    this.name = 'ProjectXHttpError';
    this.endpoint = endpoint;
    this.status = status;
    this.maybeDelivered = maybeDelivered;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Login failed for good (bad credentials, API access disabled): a configuration problem for the operator. */
export class ProjectXAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectXAuthError';
  }
}

/** A mutation whose outcome could not be determined even after looking it up. */
export class AmbiguousMutationError extends Error {
  readonly endpoint: string;
  constructor(endpoint: string, message: string, options?: { cause?: unknown }) {
    super(`${endpoint}: outcome unknown: ${message}`, options);
    this.name = 'AmbiguousMutationError';
    this.endpoint = endpoint;
  }
}
