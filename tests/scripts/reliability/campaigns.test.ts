/**
 * The fast subset of the reliability campaigns (`npm run reliability -- --fast`) as ordinary tests:
 * each campaign's own pass/fail criteria must hold. The crash, connection and database campaigns need PostgreSQL
 * (TEST_DATABASE_URL): skipped with a message without it, a failure when CI=true.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConnectionFaults } from '../../../scripts/reliability/connection-faults.ts';
import { runCrash } from '../../../scripts/reliability/crash.ts';
import { runDatabaseFault } from '../../../scripts/reliability/database-fault.ts';
import { NEEDS_POSTGRES, serverUrl } from '../../../scripts/reliability/pg.ts';
import { runSecurity } from '../../../scripts/reliability/security.ts';
import { runSoak, slope } from '../../../scripts/reliability/soak.ts';
import type { CampaignResult } from '../../../scripts/reliability/types.ts';
import { runWebhookAbuse } from '../../../scripts/reliability/webhook-abuse.ts';

const logDir = mkdtempSync(join(tmpdir(), 'valuearea-reliability-test-'));
const failures = (r: CampaignResult) =>
  [r.error, ...r.criteria.filter((c) => !c.pass).map((c) => `${c.name}: ${c.measured}`)].filter(Boolean);

describe('reliability campaigns (fast subset)', () => {
  it('slope is the least-squares slope', () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, 7])).toBeCloseTo(2);
    expect(slope([0, 1, 2], [4, 4, 4])).toBe(0);
  });

  it('webhook abuse: expected answers, legitimate alerts once, nothing half-stored, load held', async () => {
    const result = await runWebhookAbuse({ fast: true, seed: 7, logDir });
    expect(failures(result)).toEqual([]);
    expect(result.criteria.length).toBe(4);
  }, 120_000);

  it('soak: one decision per alert over simulated days', async () => {
    const result = await runSoak({ fast: true, seed: 3 });
    // The heap slope is a full-run figure (a few thousand alerts are too few to separate it from
    // JIT warm-up); the decision criteria must hold in the fast run.
    const decisions = result.criteria.filter((c) => !c.name.startsWith('heap'));
    expect(decisions.filter((c) => !c.pass)).toEqual([]);
    expect(result.figures['alerts sent']).toBe(1_500);
  }, 120_000);

  const server = serverUrl();
  if (server || process.env.CI === 'true') {
    it('crash injection, three accounts: SIGKILLed bot, one position per account, no duplicates, never without a stop for 2 s, flat at the end', async () => {
      if (!server) throw new Error(`CI=true but the crash campaign ${NEEDS_POSTGRES}`);
      const result = await runCrash({ fast: true, seed: 1, logDir });
      // Every criterion, the 2 s protection one included: the entry carries its stop as a bracket,
      // so where a kill lands does not decide it.
      expect(failures(result)).toEqual([]);
      expect(result.criteria.map((c) => c.name)).toContain(
        'no position unprotected for more than 2 s, on any account',
      );
      expect(result.criteria.map((c) => c.name)).toContain(
        'every alert gives one position per account (3 accounts)',
      );
      expect(result.criteria.length).toBe(9);
    }, 300_000);
    it('connection faults, three accounts: logout, token expiry, 429 storm, disconnects, ambiguous placement, a dropped stop', async () => {
      if (!server) throw new Error(`CI=true but the connection campaign ${NEEDS_POSTGRES}`);
      const result = await runConnectionFaults({ fast: true, seed: 1, logDir });
      expect(failures(result)).toEqual([]);
      expect(
        result.criteria.map((c) => c.name).some((n) => n.startsWith('a dropped stop is working again')),
      ).toBe(true);
      expect(result.figures['stops dropped by the broker (silently)']).toMatch(/^1 /);
      expect(result.criteria.length).toBeGreaterThanOrEqual(8);
    }, 300_000);
    it('database fault: PostgreSQL restarted mid-run, no decision or trade row lost', async () => {
      if (!server) throw new Error(`CI=true but the database campaign ${NEEDS_POSTGRES}`);
      const result = await runDatabaseFault({ fast: true, seed: 1, logDir });
      expect(failures(result)).toEqual([]);
    }, 180_000);
  } else {
    console.warn(
      `[reliability] skipping the crash, connection and database campaign tests: they ${NEEDS_POSTGRES}`,
    );
    it.skip(`crash injection, connection faults, database fault (${NEEDS_POSTGRES})`, () => {});
  }

  it('security: wrong secrets rate-limited and unlogged, no secret in any campaign log', async () => {
    const result = await runSecurity({ fast: true, seed: 1, logDir });
    // Without a server (and outside CI) the RLS probe cannot run: everything else must still pass.
    const needsServer = !server && process.env.CI !== 'true';
    const relevant = {
      ...result,
      criteria: result.criteria.filter((c) => !(needsServer && c.name.startsWith('RLS'))),
    };
    expect(failures(relevant)).toEqual([]);
  }, 60_000);
});
