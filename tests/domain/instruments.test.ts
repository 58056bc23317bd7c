import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  contractName,
  getInstrument,
  INSTRUMENTS,
  pointValue,
  projectxContractId,
  projectxSymbolId,
  resolveTicker,
  SUPPORTED_SYMBOLS,
} from '../../src/domain/instruments.ts';
import { fromTicks, isOnTickGrid, toTicks } from '../../src/domain/ticks.ts';

function resolved(ticker: string, referenceYear?: number) {
  const result = resolveTicker(ticker, referenceYear);
  if (!result.ok) throw new Error(result.error);
  return result;
}

describe('instrument table', () => {
  it('holds the ten roots with the ProjectX specs of projectx-gateway.md §15', () => {
    expect(SUPPORTED_SYMBOLS).toEqual(['ES', 'MES', 'NQ', 'MNQ', 'RTY', 'M2K', 'CL', 'MCL', 'GC', 'MGC']);
    const spec = (s: string) => {
      const i = getInstrument(s)!;
      return [i.projectxRoot, i.tickSize, i.tickValue, i.decimals, i.micro];
    };
    expect(spec('ES')).toEqual(['EP', 0.25, 12.5, 2, false]);
    expect(spec('MES')).toEqual(['MES', 0.25, 1.25, 2, true]);
    expect(spec('NQ')).toEqual(['ENQ', 0.25, 5, 2, false]);
    expect(spec('MNQ')).toEqual(['MNQ', 0.25, 0.5, 2, true]);
    expect(spec('RTY')).toEqual(['RTY', 0.1, 5, 1, false]);
    expect(spec('M2K')).toEqual(['M2K', 0.1, 0.5, 1, true]);
    expect(spec('CL')).toEqual(['CLE', 0.01, 10, 2, false]);
    expect(spec('MCL')).toEqual(['MCLE', 0.01, 1, 2, true]);
    expect(spec('GC')).toEqual(['GCE', 0.1, 10, 1, false]);
    expect(spec('MGC')).toEqual(['MGC', 0.1, 1, 1, true]);
  });

  it('looks symbols up in any casing and returns undefined for others', () => {
    expect(getInstrument('mnq')?.symbol).toBe('MNQ');
    expect(getInstrument('AMD')).toBeUndefined();
  });

  it('gives dollars per point', () => {
    expect(pointValue(getInstrument('ES')!)).toBe(50);
    expect(pointValue(getInstrument('NQ')!)).toBe(20);
    expect(pointValue(getInstrument('CL')!)).toBe(1000);
    expect(pointValue(getInstrument('MGC')!)).toBe(10);
  });

  it('tick math round-trips on every instrument grid', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...INSTRUMENTS),
        fc.integer({ min: -10_000_000, max: 10_000_000 }),
        (instrument, ticks) => {
          const price = fromTicks(ticks, instrument);
          return (
            toTicks(price, instrument) === ticks &&
            isOnTickGrid(price, instrument) &&
            price === Number(String(price))
          );
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe('resolveTicker', () => {
  it('maps continuous, bare and prefixed tickers to the root', () => {
    for (const [ticker, symbol] of [
      ['ES1!', 'ES'],
      ['MNQ1!', 'MNQ'],
      ['mes1!', 'MES'],
      ['NQ', 'NQ'],
      ['CME_MINI:ES1!', 'ES'],
      ['CME_MINI_DL:NQ1!', 'NQ'],
      ['COMEX_DLY:GC1!', 'GC'],
      ['nymex:mcl1!', 'MCL'],
      [' M2K1! ', 'M2K'],
    ]) {
      const result = resolved(ticker!);
      expect(result.symbol).toBe(symbol);
      expect(result.contractMonth).toBeUndefined();
    }
  });

  it('reads explicit contracts with four-, two- and one-digit years', () => {
    expect(resolved('MNQU2025').contractMonth).toEqual({ month: 'U', year: 2025 });
    expect(resolved('ESZ13').contractMonth).toEqual({ month: 'Z', year: 2013 });
    expect(resolved('NQZ5', 2025).contractMonth).toEqual({ month: 'Z', year: 2025 });
    expect(resolved('NQM5', 2025).symbol).toBe('NQ');
    expect(resolved('CME_MINI:mesh6', 2025).contractMonth).toEqual({ month: 'H', year: 2026 });
  });

  it('resolves a one-digit year to the nearest year, a 5-year tie going forward', () => {
    expect(resolved('ESZ9', 2030).contractMonth?.year).toBe(2029);
    expect(resolved('ESH0', 2029).contractMonth?.year).toBe(2030);
    expect(resolved('ESH0', 2025).contractMonth?.year).toBe(2030);
    expect(resolved('ESH1', 2025).contractMonth?.year).toBe(2021);
    fc.assert(
      fc.property(fc.integer({ min: 2000, max: 2090 }), fc.integer({ min: 0, max: 9 }), (ref, digit) => {
        const year = resolved(`ESZ${digit}`, ref).contractMonth!.year;
        return year % 10 === digit && year - ref >= -4 && year - ref <= 5;
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects instruments we do not trade, naming the ticker and the supported roots', () => {
    for (const ticker of ['DOGEUSDT', 'AMD', 'TSLA', 'BINANCE:BTCUSDT', 'ESX', 'ESZ123', '']) {
      const result = resolveTicker(ticker);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.error).toContain(`"${ticker}"`);
        expect(result.error).toContain('ES, MES, NQ, MNQ, RTY, M2K, CL, MCL, GC, MGC');
      }
    }
  });

  it('rejects continuous contracts other than the front month', () => {
    const result = resolveTicker('ES2!');
    expect(result.ok === false && result.error).toContain('front-month');
  });
});

describe('ProjectX ids', () => {
  it('builds contract and symbol ids with the ProjectX root', () => {
    expect(projectxContractId(getInstrument('ES')!, 'Z', 2025)).toBe('CON.F.US.EP.Z25');
    expect(projectxContractId(getInstrument('MNQ')!, 'u', 2025)).toBe('CON.F.US.MNQ.U25');
    expect(projectxContractId(getInstrument('RTY')!, 'Z', 2024)).toBe('CON.F.US.RTY.Z24');
    expect(projectxContractId(getInstrument('GC')!, 'G', 2103 - 100)).toBe('CON.F.US.GCE.G03');
    expect(projectxSymbolId(getInstrument('NQ')!)).toBe('F.US.ENQ');
    expect(contractName(getInstrument('ES')!, 'Z', 2025)).toBe('ESZ5');
  });

  it('maps an explicit TradingView contract to its ProjectX id', () => {
    const result = resolved('MNQU2025');
    const { month, year } = result.contractMonth!;
    expect(projectxContractId(result.instrument, month, year)).toBe('CON.F.US.MNQ.U25');
  });

  it('rejects a month that is not a CME code', () => {
    expect(() => projectxContractId(getInstrument('ES')!, 'A', 2025)).toThrow(/not a CME month code/);
    expect(() => projectxContractId(getInstrument('ES')!, 'Z', 25)).toThrow(/four-digit year/);
  });
});
