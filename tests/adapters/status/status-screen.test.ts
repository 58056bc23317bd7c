import { describe, expect, it } from 'vitest';
import { CURSOR_HOME, HIDE_CURSOR, SHOW_CURSOR, stripAnsi } from '../../../src/adapters/status/ansi.ts';
import type { StatusModel } from '../../../src/adapters/status/model.ts';
import { createStatusScreen, type IntervalTimer } from '../../../src/adapters/status/screen.ts';
import { esTp1, model, nqPending } from './status-fixtures.ts';

function fakeStream(isTTY: boolean, columns = 120) {
  const writes: string[] = [];
  return { writes, isTTY, columns, write: (chunk: string) => writes.push(chunk) };
}

/** A timer the test fires by hand: no waiting, no timing. */
function manualTimer() {
  let fn: (() => void) | null = null;
  let interval = 0;
  const timer: IntervalTimer = {
    setInterval: (callback, ms) => {
      fn = callback;
      interval = ms;
      return 1;
    },
    clearInterval: () => {
      fn = null;
    },
  };
  return { timer, fire: () => fn?.(), active: () => fn !== null, interval: () => interval };
}

describe('StatusScreen on a terminal', () => {
  it('hides the cursor, redraws in place every interval and shows the cursor again on stop', () => {
    const stream = fakeStream(true);
    const clock = manualTimer();
    const screen = createStatusScreen({
      model: () => model(),
      stream,
      timer: clock.timer,
      env: {},
      restoreOnExit: false,
    });
    screen.start();
    expect(clock.interval()).toBe(1000);
    expect(stream.writes[0]).toBe(`${HIDE_CURSOR}\u001b[2J`);
    expect(stream.writes[1]?.startsWith(CURSOR_HOME)).toBe(true);
    expect(stream.writes[1]).toContain('Positions (2)');
    expect(stream.writes[1]?.endsWith('\u001b[K\n\u001b[J')).toBe(true);
    clock.fire();
    clock.fire();
    expect(stream.writes.filter((w) => w.startsWith(CURSOR_HOME))).toHaveLength(3);
    screen.stop();
    expect(stream.writes.at(-1)).toBe(SHOW_CURSOR);
    expect(clock.active()).toBe(false);
    expect(screen.running).toBe(false);
  });

  it('uses colour unless NO_COLOR is set', () => {
    const colourful = fakeStream(true);
    createStatusScreen({
      model: () => model(),
      stream: colourful,
      timer: manualTimer().timer,
      env: {},
      restoreOnExit: false,
    }).refresh();
    expect(colourful.writes[0]).toContain('\u001b[32m+$475.00');
    const plain = fakeStream(true);
    createStatusScreen({
      model: () => model(),
      stream: plain,
      timer: manualTimer().timer,
      env: { NO_COLOR: '1' },
      restoreOnExit: false,
    }).refresh();
    expect(plain.writes[0]).toContain('+$475.00');
    expect(plain.writes[0]).not.toMatch(new RegExp(`${'\u001b'}\\[\\d+m`));
  });

  it('fits the terminal width', () => {
    const stream = fakeStream(true, 50);
    createStatusScreen({
      model: () => model(),
      stream,
      env: { NO_COLOR: '1' },
      restoreOnExit: false,
    }).refresh();
    const frame = stripAnsi(stream.writes[0] ?? '');
    for (const line of frame.split('\n')) expect([...line].length).toBeLessThanOrEqual(50);
  });

  it('cuts a frame taller than the terminal so the redraw never scrolls', () => {
    const stream = { ...fakeStream(true), rows: 8 };
    createStatusScreen({
      model: () => model(),
      stream,
      env: { NO_COLOR: '1' },
      restoreOnExit: false,
    }).refresh();
    const frame = stripAnsi(stream.writes[0] ?? '')
      .split('\n')
      .filter((line) => line !== '');
    expect(frame).toHaveLength(7);
    expect(frame.at(-1)).toBe('… 9 more lines (enlarge the terminal)');
  });

  it('keeps running when building the model throws', () => {
    const stream = fakeStream(true);
    const errors: unknown[] = [];
    const clock = manualTimer();
    let fail = true;
    const screen = createStatusScreen({
      model: () => {
        if (fail) throw new Error('store closed');
        return model();
      },
      stream,
      timer: clock.timer,
      restoreOnExit: false,
      onError: (error) => errors.push(error),
    });
    screen.start();
    fail = false;
    clock.fire();
    expect(errors).toHaveLength(1);
    expect(stream.writes.some((w) => w.includes('Positions (2)'))).toBe(true);
    screen.stop();
  });
});

describe('StatusScreen off a terminal', () => {
  it('prints human lines for what changed, not one per second or per price move', () => {
    const stream = fakeStream(false);
    const clock = manualTimer();
    let current: StatusModel = model();
    const screen = createStatusScreen({ model: () => current, stream, timer: clock.timer });
    screen.start();
    clock.fire();
    clock.fire();
    expect(stream.writes).toHaveLength(1);
    expect(stream.writes[0]).toContain('14:32:05 valuearea · paper · account PRAC-1 · times UTC\n');
    current = model({ positions: [{ ...esTp1, lastPrice: 5007, unrealizedPnl: 675 }, nqPending] });
    clock.fire();
    expect(stream.writes).toHaveLength(1);
    current = model({ positions: [{ ...esTp1, state: 'tp2', rung: 2, stop: 5004 }, nqPending] });
    clock.fire();
    clock.fire();
    expect(stream.writes).toHaveLength(2);
    expect(stream.writes[1]).toBe(
      '14:32:05 ES long 2 @ 5000.25 TP2 hit stop 5004.00 (TP1 stop) P&L +$475.00\n',
    );
    for (const chunk of stream.writes) {
      expect(chunk).not.toContain('\u001b[');
      expect(chunk).not.toMatch(/^[{[]/m);
      expect(chunk.endsWith('\n')).toBe(true);
    }
    screen.stop();
    expect(stream.writes).toHaveLength(2);
  });

  it("prints plain lines on a terminal too with format 'plain', and redraws a pipe with 'screen'", () => {
    const terminal = fakeStream(true);
    const plain = createStatusScreen({ model: () => model(), stream: terminal, format: 'plain', env: {} });
    plain.refresh();
    expect(plain.isTerminal).toBe(false);
    expect(terminal.writes[0]).not.toContain('\u001b[');
    expect(terminal.writes[0]).toContain('ES long 2 @ 5000.25 TP1 hit stop 5000.25 (breakeven stop)');
    const pipe = fakeStream(false);
    createStatusScreen({ model: () => model(), stream: pipe, format: 'screen', color: false }).refresh();
    expect(pipe.writes[0]?.startsWith(CURSOR_HOME)).toBe(true);
    expect(pipe.writes[0]).toContain('Positions (2)');
  });
});
