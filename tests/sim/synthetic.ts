/** A synthetic ES file: a range-bound mix of sine waves from a fixed formula, so trades happen. */
export function rangeBoundCsv(t0: number, bars: number): string {
  const rows = ['ts_utc,open,high,low,close,volume'];
  let price = 4000;
  for (let i = 0; i < bars; i++) {
    const open = price;
    const close =
      Math.round((4000 + 8 * Math.sin(i / 30) + 3 * Math.sin(i / 5.3) + 2 * Math.sin(i * 1.7)) * 4) / 4;
    const high = Math.max(open, close) + 0.25 * (1 + (i % 3));
    const low = Math.min(open, close) - 0.25 * (1 + ((i * 7) % 4));
    rows.push(
      `${new Date(t0 + i * 60_000).toISOString()},${open},${high},${low},${close},${100 + ((i * 37) % 400)}`,
    );
    price = close;
  }
  return `${rows.join('\n')}\n`;
}
