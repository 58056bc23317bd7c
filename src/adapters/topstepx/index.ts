/** TopstepX / ProjectX adapter: REST client, hubs, broker port, reconciliation, bars. See docs/topstepx.md. */
export { fetchBars, MAX_BARS_PER_REQUEST } from './bars.ts';
export { TopstepxBroker, type TopstepxBrokerOptions } from './broker.ts';
export { loadProjectXConfig, type ProjectXConfig, ProjectXConfigError } from './config.ts';
export { ContractNotFoundError, resolveContract } from './contracts.ts';
export { AmbiguousMutationError, ProjectXAuthError, ProjectXError, ProjectXHttpError } from './errors.ts';
export { ProjectXHttp, type ProjectXHttpOptions } from './http.ts';
export { type HubReconnect, ProjectXHubs, type ProjectXHubsOptions } from './hubs.ts';
export type { AdapterLogger } from './log.ts';
export { marketDataFromHubs } from './market-data.ts';
export type { Account, Contract, HalfTrade, Order, Position, ProjectXBar } from './models.ts';
export type { MarketTrade, Quote } from './parse.ts';
export { findByTag, type PlaceOutcome, placeOrderIdempotent } from './place.ts';
export {
  applyReconciliation,
  type KnownPosition,
  type ReconcileDiff,
  type ReconcileReport,
  Reconciler,
  reconcile,
  type UnknownExposurePolicy,
} from './reconcile.ts';
export { ProjectXRest } from './rest.ts';
export { startTopstepxSession, type TopstepxSession, type TopstepxSessionOptions } from './session.ts';
