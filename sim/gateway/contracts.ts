/**
 * Default contract list (§15): ProjectX roots differ from exchange tickers (ES→EP, NQ→ENQ, CL→CLE,
 * GC→GCE). Front months derive from the gateway clock so ids stay plausible whenever tests run.
 */
import type { GatewayContractSetup } from './types.ts';

const MONTH_CODES = 'FGHJKMNQUVXZ';

interface RootSpec {
  ticker: string;
  root: string;
  description: string;
  tickSize: number;
  tickValue: number;
  feePerSide: number;
  referencePrice: number;
  cycle: 'quarterly' | 'monthly' | 'gold';
  micro?: true;
}

const ROOTS: readonly RootSpec[] = [
  {
    ticker: 'ES',
    root: 'EP',
    description: 'E-Mini S&P 500',
    tickSize: 0.25,
    tickValue: 12.5,
    feePerSide: 1.4,
    referencePrice: 6000,
    cycle: 'quarterly',
  },
  {
    ticker: 'MES',
    micro: true,
    root: 'MES',
    description: 'Micro E-mini S&P 500',
    tickSize: 0.25,
    tickValue: 1.25,
    feePerSide: 0.37,
    referencePrice: 6000,
    cycle: 'quarterly',
  },
  {
    ticker: 'NQ',
    root: 'ENQ',
    description: 'E-mini NASDAQ-100',
    tickSize: 0.25,
    tickValue: 5,
    feePerSide: 1.4,
    referencePrice: 21000,
    cycle: 'quarterly',
  },
  {
    ticker: 'MNQ',
    micro: true,
    root: 'MNQ',
    description: 'Micro E-mini Nasdaq-100',
    tickSize: 0.25,
    tickValue: 0.5,
    feePerSide: 0.37,
    referencePrice: 21000,
    cycle: 'quarterly',
  },
  {
    ticker: 'RTY',
    root: 'RTY',
    description: 'E-mini Russell 2000',
    tickSize: 0.1,
    tickValue: 5,
    feePerSide: 1.4,
    referencePrice: 2300,
    cycle: 'quarterly',
  },
  {
    ticker: 'M2K',
    micro: true,
    root: 'M2K',
    description: 'Micro E-mini Russell 2000',
    tickSize: 0.1,
    tickValue: 0.5,
    feePerSide: 0.37,
    referencePrice: 2300,
    cycle: 'quarterly',
  },
  {
    ticker: 'CL',
    root: 'CLE',
    description: 'Crude Light',
    tickSize: 0.01,
    tickValue: 10,
    feePerSide: 1.5,
    referencePrice: 65,
    cycle: 'monthly',
  },
  {
    ticker: 'GC',
    root: 'GCE',
    description: 'Gold',
    tickSize: 0.1,
    tickValue: 10,
    feePerSide: 1.55,
    referencePrice: 2400,
    cycle: 'gold',
  },
  {
    ticker: 'MGC',
    micro: true,
    root: 'MGC',
    description: 'Micro Gold',
    tickSize: 0.1,
    tickValue: 1,
    feePerSide: 0.5,
    referencePrice: 2400,
    cycle: 'gold',
  },
];

/** Front month (0-based month, full year) for a root's listing cycle at `nowMs`. */
function frontMonth(cycle: RootSpec['cycle'], nowMs: number): { month: number; year: number } {
  const now = new Date(nowMs);
  const month = now.getUTCMonth();
  const day = now.getUTCDate();
  const year = now.getUTCFullYear();
  // Equity indices roll about a week before the third-Friday expiry.
  const eligible = (m: number): boolean => {
    if (cycle === 'quarterly') return m % 3 === 2;
    if (cycle === 'gold') return m % 2 === 1;
    return true;
  };
  let first = month;
  if (cycle === 'monthly') first = day < 20 ? month + 1 : month + 2;
  else if (cycle === 'quarterly' && day > 10) first = month + 1;
  else if (cycle === 'gold') first = month + 1;
  for (let m = first; ; m += 1) {
    const normalised = m % 12;
    if (eligible(normalised)) return { month: normalised, year: year + Math.floor(m / 12) };
  }
}

function contractFor(spec: RootSpec, month: number, year: number, active: boolean): GatewayContractSetup {
  const code = MONTH_CODES[month]!;
  const yy = String(year % 100).padStart(2, '0');
  return {
    id: `CON.F.US.${spec.root}.${code}${yy}`,
    name: `${spec.ticker}${code}${year % 10}`,
    description: `${spec.description}: ${monthName(month)} ${yy}`,
    tickSize: spec.tickSize,
    tickValue: spec.tickValue,
    activeContract: active,
    symbolId: `F.US.${spec.root}`,
    feePerSide: spec.feePerSide,
    referencePrice: spec.referencePrice,
    ...(spec.micro ? { micro: true } : {}),
  };
}

function monthName(month: number): string {
  return [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ][month]!;
}

/**
 * The month listed after `current` in its root's cycle (CON.F.US.EP.Z26 → CON.F.US.EP.H27), active,
 * with the same tick size, fees and reference price. Throws for an id of an unknown root.
 */
export function nextContract(current: Pick<GatewayContractSetup, 'id'>): GatewayContractSetup {
  const match = /^CON\.F\.US\.([A-Z0-9]+)\.([FGHJKMNQUVXZ])(\d{2})$/.exec(current.id);
  const spec = match ? ROOTS.find((r) => r.root === match[1]) : undefined;
  if (!match || !spec) throw new Error(`nextContract: '${current.id}' is not a contract of a known root`);
  const month = MONTH_CODES.indexOf(match[2]!);
  const year = 2000 + Number(match[3]);
  const eligible = (m: number): boolean =>
    spec.cycle === 'quarterly' ? m % 3 === 2 : spec.cycle === 'gold' ? m % 2 === 1 : true;
  for (let m = month + 1; ; m += 1) {
    if (eligible(m % 12)) return contractFor(spec, m % 12, year + Math.floor(m / 12), true);
  }
}

/**
 * Active front-month contracts for every known root, plus the expired previous quarter of ES so
 * that ContractNotActive can be exercised.
 */
export function defaultContracts(nowMs: number): GatewayContractSetup[] {
  const list: GatewayContractSetup[] = [];
  for (const spec of ROOTS) {
    const { month, year } = frontMonth(spec.cycle, nowMs);
    list.push(contractFor(spec, month, year, true));
  }
  const es = ROOTS[0]!;
  const front = frontMonth(es.cycle, nowMs);
  const previous =
    front.month - 3 < 0
      ? { month: front.month + 9, year: front.year - 1 }
      : { month: front.month - 3, year: front.year };
  list.push(contractFor(es, previous.month, previous.year, false));
  return list;
}
