import fc from 'fast-check';
import { debounceTime, delay, interval, of, Subject, take, timer } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { VirtualClock } from '../../sim/clock.ts';

describe('VirtualClock', () => {
  it('fires timers at their exact due times, not at the advance target', () => {
    const clock = new VirtualClock(1000);
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 250);
    clock.setTimeout(() => fired.push(clock.now()), 100);
    clock.advanceTo(5000);
    expect(fired).toEqual([1100, 1250]);
    expect(clock.now()).toBe(5000);
  });

  it('fires a timer due exactly at the advance target (timers before data at equal times)', () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    clock.setTimeout(() => log.push('timer'), 60_000);
    clock.advanceTo(60_000);
    log.push('data');
    expect(log).toEqual(['timer', 'data']);
  });

  it('does not fire a timer due after the advance target', () => {
    const clock = new VirtualClock(0);
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, 101);
    clock.advanceTo(100);
    expect(fired).toBe(false);
    clock.advanceTo(101);
    expect(fired).toBe(true);
  });

  it('runs chained timers scheduled while firing when they fall due in the same advance', () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const chain = (left: number) => {
      fired.push(clock.now());
      if (left > 0) clock.setTimeout(() => chain(left - 1), 10);
    };
    clock.setTimeout(() => chain(3), 10);
    clock.advanceTo(35);
    expect(fired).toEqual([10, 20, 30]);
    clock.advanceTo(40);
    expect(fired).toEqual([10, 20, 30, 40]);
  });

  it('runs timers with equal due times in the order they were scheduled', () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    for (const name of ['a', 'b', 'c', 'd']) clock.setTimeout(() => order.push(name), 50);
    clock.setTimeout(() => order.push('early'), 10);
    clock.advanceTo(50);
    expect(order).toEqual(['early', 'a', 'b', 'c', 'd']);
  });

  it('a zero-delay timer scheduled while firing runs at the same instant, after the current one', () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    clock.setTimeout(() => {
      order.push(`first@${clock.now()}`);
      clock.setTimeout(() => order.push(`zero@${clock.now()}`), 0);
    }, 5);
    clock.setTimeout(() => order.push(`second@${clock.now()}`), 5);
    clock.advanceTo(5);
    expect(order).toEqual(['first@5', 'second@5', 'zero@5']);
  });

  it('never fires a cleared timer and counts only live timers', () => {
    const clock = new VirtualClock(0);
    let fired = 0;
    const handle = clock.setTimeout(() => fired++, 10);
    clock.setTimeout(() => fired++, 20);
    expect(clock.pending).toBe(2);
    clock.clearTimeout(handle);
    clock.clearTimeout(handle);
    expect(clock.pending).toBe(1);
    clock.advanceTo(100);
    expect(fired).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('refuses to move time backwards', () => {
    const clock = new VirtualClock(100);
    expect(() => clock.advanceTo(99)).toThrow(/backwards/);
  });

  it('fires any set of timers in (due time, scheduling order) order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 1000 }), cancel: fc.boolean() }), {
          maxLength: 60,
        }),
        fc.array(fc.integer({ min: 0, max: 1200 }), { maxLength: 10 }),
        (timers, steps) => {
          const clock = new VirtualClock(0);
          const fired: { at: number; index: number; now: number }[] = [];
          const handles = timers.map((t, index) =>
            clock.setTimeout(() => fired.push({ at: t.delay, index, now: clock.now() }), t.delay),
          );
          timers.forEach((t, i) => {
            if (t.cancel) clock.clearTimeout(handles[i]);
          });
          let now = 0;
          for (const s of [...steps].sort((a, b) => a - b)) {
            now = Math.max(now, s);
            clock.advanceTo(now);
          }
          clock.advanceTo(Math.max(now, 1000));
          const expected = timers
            .map((t, index) => ({ at: t.delay, index, now: t.delay, cancel: t.cancel }))
            .filter((t) => !t.cancel)
            .sort((a, b) => a.at - b.at || a.index - b.index)
            .map(({ at, index, now }) => ({ at, index, now }));
          expect(fired).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('drives RxJS timer, delay and interval on virtual time', () => {
    const clock = new VirtualClock(0);
    const seen: string[] = [];
    timer(500, clock.scheduler).subscribe(() => seen.push(`timer@${clock.now()}`));
    of('x')
      .pipe(delay(200, clock.scheduler))
      .subscribe((v) => seen.push(`${v}@${clock.now()}`));
    interval(300, clock.scheduler)
      .pipe(take(3))
      .subscribe((n) => seen.push(`i${n}@${clock.now()}`));
    clock.advanceTo(10_000);
    expect(seen).toEqual(['x@200', 'i0@300', 'timer@500', 'i1@600', 'i2@900']);
  });

  it('drives debounceTime on virtual time', () => {
    const clock = new VirtualClock(0);
    const input = new Subject<number>();
    const out: string[] = [];
    input.pipe(debounceTime(100, clock.scheduler)).subscribe((v) => out.push(`${v}@${clock.now()}`));
    input.next(1);
    clock.advanceTo(50);
    input.next(2);
    clock.advanceTo(120);
    expect(out).toEqual([]);
    clock.advanceTo(150);
    expect(out).toEqual(['2@150']);
  });

  it('is usable as the XState clock: an `after` transition fires at its virtual time', () => {
    const clock = new VirtualClock(0);
    const machine = createMachine({
      initial: 'waiting',
      states: { waiting: { after: { 30000: 'expired' } }, expired: {} },
    });
    const actor = createActor(machine, { clock }).start();
    clock.advanceTo(29_999);
    expect(actor.getSnapshot().value).toBe('waiting');
    clock.advanceTo(30_000);
    expect(actor.getSnapshot().value).toBe('expired');
  });
});
