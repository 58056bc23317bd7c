// Shapes the API returns. Type-only imports from the server: erased at build time.

export type { ActorView, StatechartNode } from '../../src/adapters/dashboard/actors.ts';
export type {
  ActorTransition,
  DashboardEvent,
  LivePosition,
} from '../../src/adapters/dashboard/events.ts';
export type { AccountOverview, GuardHeadroom, Kpis } from '../../src/adapters/dashboard/kpis.ts';
export type { ProfilePanel } from '../../src/adapters/dashboard/profile-panel.ts';
export type {
  AlertDetail,
  AlertSummary,
  BacktestSummary,
  PageInfo,
  PositionSummary,
  SignalSummary,
  SweepSummary,
} from '../../src/ports/dashboard-queries.ts';
export type { StoredTrade } from '../../src/ports/store.ts';

export interface Paged<T> {
  readonly items: T[];
  readonly pagination: { page: number; limit: number; total: number; pages: number };
}

export interface Status {
  readonly exposed: boolean;
  readonly controlsEnabled: boolean;
  readonly paused: boolean | null;
  readonly engineAttached: boolean;
  readonly barsAttached: boolean;
}
