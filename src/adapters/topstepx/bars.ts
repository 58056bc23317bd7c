/**
 * Historical bars over any span: split into requests of at most 20,000 bars, merged, sorted
 * ascending and de-duplicated by bar time. The bars rate limit (50 / 30 s) is enforced by the client.
 */
import { barLengthMs } from './enums.ts';
import type { ProjectXBar } from './models.ts';
import type { ProjectXRest } from './rest.ts';

export const MAX_BARS_PER_REQUEST = 20_000;

export interface FetchBarsRequest {
  readonly contractId: string;
  readonly start: number;
  readonly end: number;
  readonly unit: number;
  readonly unitNumber: number;
  readonly live?: boolean;
  readonly includePartialBar?: boolean;
  /** Bars per request (default and maximum 20,000). */
  readonly pageLimit?: number;
  readonly onPage?: (page: { from: number; to: number; bars: number }) => void;
}

export async function fetchBars(rest: ProjectXRest, request: FetchBarsRequest): Promise<ProjectXBar[]> {
  if (!(request.end > request.start)) throw new Error('bars: the start time must be before the end time');
  const limit = Math.min(MAX_BARS_PER_REQUEST, Math.max(1, request.pageLimit ?? MAX_BARS_PER_REQUEST));
  const span = barLengthMs(request.unit, request.unitNumber) * limit;
  const byTime = new Map<number, ProjectXBar>();
  for (let from = request.start; from < request.end; from += span) {
    const to = Math.min(request.end, from + span);
    const page = await rest.retrieveBars({
      contractId: request.contractId,
      live: request.live ?? false,
      start: from,
      end: to,
      unit: request.unit,
      unitNumber: request.unitNumber,
      limit,
      includePartialBar: request.includePartialBar ?? false,
    });
    for (const bar of page) if (bar.ts >= request.start && bar.ts < request.end) byTime.set(bar.ts, bar);
    request.onPage?.({ from, to, bars: page.length });
  }
  return [...byTime.values()].sort((a, b) => a.ts - b.ts);
}
