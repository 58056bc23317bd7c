import { describe, expect, it } from 'vitest';
import { labHtmlReport } from '../../sim/lab/html.ts';
import type { LabReport, RankedCell } from '../../sim/lab/lab.ts';
import type { CellSummary } from '../../sim/lab/objective.ts';

const summary = (netPnl: number, over: Partial<CellSummary> = {}): CellSummary => ({
  trades: 12,
  netPnl,
  profitFactor: 1.5,
  sharpe: 1.1,
  maxDrawdown: 400,
  expectancyR: 0.25,
  passProbability: 0.42,
  winRate: 0.5,
  verdict: 'passed',
  ...over,
});

const ranked = (
  rank: number,
  index: number,
  label: string,
  values: RankedCell['values'],
  netPnl: number,
  broken: string[] = [],
): RankedCell => ({ index, label, values, summary: summary(netPnl), broken, rank });

const BOLD = 'profileRows=<b>48</b>';
const best = ranked(1, 4, BOLD, { profileRows: 48, valueAreaPercent: 0.7 }, 1500);

/** A 2×3 sweep (profileRows across, valueAreaPercent down) with one square no cell qualified at. */
const report: LabReport = {
  format: 'valuearea-lab/1',
  name: 'es-rows',
  symbol: 'ES',
  data: { source: 'es.csv', bars: 5000, firstTs: Date.UTC(2025, 2, 3), lastTs: Date.UTC(2025, 2, 10) },
  alerts: 40,
  barMs: 60_000,
  policy: 'worst',
  objective: 'netPnl',
  constraints: ['maxDrawdown < 1500'],
  seed: 7,
  gridCells: 6,
  random: null,
  parameters: [
    { name: 'profileRows', values: [24, 36, 48] },
    { name: 'valueAreaPercent', values: [0.6, 0.7] },
  ],
  settings: {},
  exchange: {},
  monteCarlo: { runs: 1000, seed: 1 },
  cells: [
    best,
    ranked(2, 1, 'profileRows=36 valueAreaPercent=0.6', { profileRows: 36, valueAreaPercent: 0.6 }, 900),
    ranked(3, 0, 'profileRows=24 valueAreaPercent=0.6', { profileRows: 24, valueAreaPercent: 0.6 }, 250.5),
    ranked(4, 2, 'profileRows=48 valueAreaPercent=0.6', { profileRows: 48, valueAreaPercent: 0.6 }, -120),
    ranked(5, 3, 'profileRows=24 valueAreaPercent=0.7', { profileRows: 24, valueAreaPercent: 0.7 }, -300),
    ranked(6, 5, 'profileRows=36 valueAreaPercent=0.7', { profileRows: 36, valueAreaPercent: 0.7 }, 2000, [
      'maxDrawdown < 1500',
    ]),
  ],
  best,
  heatmap: {
    x: 'profileRows',
    y: 'valueAreaPercent',
    xValues: [24, 36, 48],
    yValues: [0.6, 0.7],
    z: [
      [250.5, 900, -120],
      [-300, null, 1500],
    ],
    cells: [
      [0, 1, 2],
      [3, null, 4],
    ],
  },
  top: [
    {
      index: 4,
      label: BOLD,
      equity: [
        ['2025-03-04', 50_200],
        ['2025-03-05', 51_500],
      ],
    },
    {
      index: 1,
      label: 'profileRows=36 valueAreaPercent=0.6',
      equity: [
        ['2025-03-04', 49_800],
        ['2025-03-05', 50_900],
      ],
    },
  ],
  walkForward: {
    inSampleDays: 3,
    outOfSampleDays: 1,
    anchored: false,
    windows: [
      {
        n: 1,
        inSample: { from: 1, to: 2, days: 3, firstDay: '2025-03-04', lastDay: '2025-03-06' },
        outOfSample: { from: 2, to: 3, days: 1, firstDay: '2025-03-07', lastDay: '2025-03-07' },
        chosen: { index: 4, label: BOLD },
        inSampleSummary: summary(600),
        outOfSampleSummary: summary(150),
        inSampleObjective: 600,
        outOfSampleObjective: 150,
        inSampleNetPerDay: 200,
        outOfSampleNetPerDay: 150,
      },
      {
        n: 2,
        inSample: { from: 2, to: 3, days: 3, firstDay: '2025-03-05', lastDay: '2025-03-07' },
        outOfSample: { from: 3, to: 4, days: 1, firstDay: '2025-03-10', lastDay: '2025-03-10' },
        chosen: null,
        inSampleSummary: null,
        outOfSampleSummary: null,
        inSampleObjective: null,
        outOfSampleObjective: null,
        inSampleNetPerDay: null,
        outOfSampleNetPerDay: null,
      },
    ],
    stitched: {
      trades: 3,
      netPnl: 150,
      profitFactor: 2,
      sharpe: 0.8,
      maxDrawdown: 90,
      expectancyR: 0.3,
      winRate: 0.67,
      equity: [['2025-03-07', 50_150]],
    },
    efficiency: 0.75,
    meanInSampleObjective: 600,
    meanOutOfSampleObjective: 150,
  },
};

const squares = (html: string) => [...html.matchAll(/<rect class="square"[^>]*>/g)];
const squareValues = (html: string) =>
  [...html.matchAll(/<text class="value"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('lab HTML report', () => {
  const html = labHtmlReport(report);

  it('is self-contained: no script, stylesheet, font or other resource from anywhere', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/@import|@font-face/i);
    expect(html).toMatch(/^<!doctype html>/);
  });

  it('draws one heatmap square per pair of settings, each with its value printed', () => {
    expect(squares(html)).toHaveLength(6);
    expect(squareValues(html)).toEqual(['$250.50', '$900.00', '-$120.00', '-$300.00', '—', '$1,500.00']);
    expect(html).toContain('no qualifying cell');
    expect(html).toContain('id="heatmap-legend"');
  });

  it('colours the best square green whichever way the objective points', () => {
    const fillOf = (h: string, value: string) => {
      const i = squareValues(h).indexOf(value);
      return /fill="(#[0-9a-f]{6})"/.exec(squares(h)[i]![0])![1];
    };
    expect(fillOf(html, '$1,500.00')).toBe('#26a69a');
    expect(fillOf(html, '-$300.00')).toBe('#ef5350');
    const drawdown = labHtmlReport({
      ...report,
      objective: 'maxDrawdown',
      heatmap: {
        ...report.heatmap!,
        z: [
          [100, 200, 300],
          [400, null, 500],
        ],
      },
    });
    expect(fillOf(drawdown, '$100.00')).toBe('#26a69a');
    expect(fillOf(drawdown, '$500.00')).toBe('#ef5350');
  });

  it('escapes every string from the report', () => {
    expect(html).not.toContain('<b>48</b>');
    expect(html).toContain('profileRows=&lt;b&gt;48&lt;/b&gt;');
  });

  it('ranks the cells with their figures and the constraints they break', () => {
    const rows = /<table id="ranked">[\s\S]*?<\/table>/.exec(html)![0];
    expect(rows.match(/<tr/g)).toHaveLength(1 + 6);
    expect(rows).toContain('<tr class="broken">');
    expect(rows).toContain('maxDrawdown &lt; 1500');
    expect(rows).toContain('42.0%');
  });

  it('names each best cell in the equity chart legend', () => {
    const legend = /<ul class="curve-legend" id="top-equity-legend">[\s\S]*?<\/ul>/.exec(html)![0];
    expect(legend.match(/<li>/g)).toHaveLength(2);
    expect(legend).toContain('profileRows=36 valueAreaPercent=0.6');
    expect(html.match(/<polyline class="curve"/g)).toHaveLength(2 + 1);
  });

  it('shows the walk-forward windows, the stitched figures and the efficiency', () => {
    const windows = /<table id="walk-forward-windows">[\s\S]*?<\/table>/.exec(html)![0];
    expect(windows.match(/<tr>/g)).toHaveLength(1 + 2);
    expect(windows).toContain('2025-03-04 → 2025-03-06 (3 d)');
    expect(windows).toContain('none: no cell qualified in sample');
    expect(html).toContain('id="stitched"');
    expect(html).toContain('0.75');
    expect(html).toContain('id="stitched-equity"');
  });

  it('leaves the walk-forward out when the lab ran none', () => {
    const none = labHtmlReport({ ...report, walkForward: null });
    expect(none).not.toContain('walk-forward-windows');
    expect(none).not.toContain('Walk-forward:');
    expect(none).not.toContain('stitched');
  });

  it('says so when no cell met the constraints', () => {
    const none = labHtmlReport({ ...report, best: null, top: [] });
    expect(none).toContain('No cell met the constraints');
    expect(none).not.toContain('id="best"');
    expect(html).not.toContain('No cell met the constraints');
  });

  it('is the same text for the same report', () => {
    expect(labHtmlReport(report)).toBe(html);
  });
});
