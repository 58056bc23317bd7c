import { describe, expect, it } from 'vitest';
import {
  money,
  percent,
  price,
  priceDecimals,
  rMultiple,
  signedMoney,
  symbolPrice,
} from '../../src/domain/format.ts';

describe('money', () => {
  it('shows dollars and cents with thousands separated and an ASCII minus before the dollar sign', () => {
    expect(money(1234.5)).toBe('$1,234.50');
    expect(money(-1234.5)).toBe('-$1,234.50');
    expect(money(1_000_000)).toBe('$1,000,000.00');
    expect(money(0.005)).toBe('$0.01');
  });

  it('never shows a negative zero', () => {
    expect(money(-0)).toBe('$0.00');
    expect(money(-0.004)).toBe('$0.00');
    expect(signedMoney(-0.004)).toBe('$0.00');
  });

  it('signs gains with a plus and losses with a minus', () => {
    expect(signedMoney(42.5)).toBe('+$42.50');
    expect(signedMoney(-42.5)).toBe('-$42.50');
    expect(signedMoney(0)).toBe('$0.00');
  });
});

describe('price', () => {
  it('always shows the tick decimals', () => {
    expect(price(4000.5, 2)).toBe('4000.50');
    expect(price(4000, 2)).toBe('4000.00');
    expect(price(1321, 1)).toBe('1321.0');
  });

  it('shows more digits only for a value between ticks (an average fill price)', () => {
    expect(price(4000.125, 2)).toBe('4000.125');
    expect(price(1 / 3, 2)).toBe('0.333333');
  });

  it('takes the decimals from the instrument, for roots and full tickers', () => {
    expect(priceDecimals('ES')).toBe(2);
    expect(priceDecimals('GC')).toBe(1);
    expect(priceDecimals('CME_MINI:ESZ2025')).toBe(2);
    expect(priceDecimals('XYZ')).toBeNull();
    expect(symbolPrice('ES', 5000.25)).toBe('5000.25');
    expect(symbolPrice('GC', 1980)).toBe('1980.0');
    expect(symbolPrice('XYZ', 12.5)).toBe('12.5');
  });
});

describe('percent and R', () => {
  it('shows a fraction as a percent', () => {
    expect(percent(0.1234)).toBe('12.3%');
    expect(percent(0.5, 0)).toBe('50%');
  });

  it('shows an R multiple with its sign', () => {
    expect(rMultiple(1.254)).toBe('+1.25 R');
    expect(rMultiple(-0.5)).toBe('-0.50 R');
    expect(rMultiple(0.001)).toBe('0.00 R');
  });
});
