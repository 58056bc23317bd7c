import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { type SignalEmitted, signalMachine } from '../../machines/signal/machine.ts';

function start(maxAttempts = 3) {
  const actor = createActor(signalMachine, {
    input: { signalId: 's1', ts: 0, maxAttempts, retryBaseMs: 1_000 },
  });
  const emitted: SignalEmitted[] = [];
  actor.on('*', (e) => emitted.push(e as SignalEmitted));
  actor.start();
  return {
    actor,
    emitted,
    status: () => actor.getSnapshot().value,
    context: () => actor.getSnapshot().context,
  };
}

describe('signal machine', () => {
  it('records a filter decision with its reason', () => {
    const s = start();
    s.actor.send({
      type: 'filter.rejected',
      ts: 5,
      reason: 'FILTERED: cooldown — last ES entry 2m10s ago, cooldown 5m',
    });
    expect(s.status()).toBe('FILTERED');
    expect(s.emitted).toEqual([
      expect.objectContaining({
        type: 'signal.transition',
        from: 'PENDING',
        to: 'FILTERED',
        reason: expect.stringMatching(/cooldown/),
      }),
    ]);
  });

  it('ignores duplicates and stale alerts', () => {
    const s = start();
    s.actor.send({ type: 'ignore', ts: 5, reason: 'duplicate of an earlier alert' });
    expect(s.status()).toBe('IGNORED');
  });

  it('goes EXECUTING then EXECUTED with the order id', () => {
    const s = start();
    s.actor.send({ type: 'execute', ts: 1, positionId: 'p1' });
    expect(s.status()).toBe('EXECUTING');
    expect(s.context().attempts).toBe(1);
    s.actor.send({ type: 'order.accepted', ts: 2, orderId: '42' });
    expect(s.status()).toBe('EXECUTED');
    expect(s.context()).toMatchObject({ orderId: '42', executedTradeId: 'p1' });
  });

  it('retries a retryable failure after its backoff, and only then', () => {
    const s = start();
    s.actor.send({ type: 'execute', ts: 0, positionId: 'p1' });
    s.actor.send({ type: 'order.failed', ts: 10, reason: 'gateway timeout', retryable: true });
    expect(s.status()).toBe('RETRY_WAIT');
    expect(s.context().scheduledAt).toBe(1_010);
    s.actor.send({ type: 'retry.due', ts: 1_009 });
    expect(s.status()).toBe('RETRY_WAIT');
    s.actor.send({ type: 'retry.due', ts: 1_010 });
    expect(s.status()).toBe('EXECUTING');
    expect(s.emitted.at(-1)).toEqual({ type: 'signal.retry', signalId: 's1', attempt: 2, ts: 1_010 });
  });

  it('fails after the last attempt or on a final rejection', () => {
    const s = start(2);
    s.actor.send({ type: 'execute', ts: 0, positionId: 'p1' });
    s.actor.send({ type: 'order.failed', ts: 1, reason: 'timeout', retryable: true });
    s.actor.send({ type: 'retry.due', ts: 10_000 });
    s.actor.send({ type: 'order.failed', ts: 10_001, reason: 'timeout again', retryable: true });
    expect(s.status()).toBe('FAILED');
    expect(s.context().reason).toBe('timeout again');
    const t = start();
    t.actor.send({ type: 'execute', ts: 0, positionId: 'p1' });
    t.actor.send({ type: 'order.failed', ts: 1, reason: 'insufficient margin', retryable: false });
    expect(t.status()).toBe('FAILED');
  });

  it('counts an engine action without an order (close, cancel) as executed', () => {
    const s = start();
    s.actor.send({
      type: 'engine.done',
      ts: 1,
      reason: 'closing the long ES position (close alert)',
      positionId: 'p1',
    });
    expect(s.status()).toBe('EXECUTED');
    const t = start();
    t.actor.send({ type: 'engine.declined', ts: 1, reason: 'already long ES' });
    expect(t.status()).toBe('FILTERED');
  });

  it('ends with exactly one decision whatever comes after', () => {
    const s = start();
    s.actor.send({ type: 'filter.rejected', ts: 1, reason: 'bot disabled' });
    s.actor.send({ type: 'execute', ts: 2, positionId: 'p1' });
    s.actor.send({ type: 'order.accepted', ts: 3, orderId: '1' });
    expect(s.status()).toBe('FILTERED');
    expect(s.emitted.filter((e) => e.type === 'signal.transition')).toHaveLength(1);
  });
});
