/**
 * What the live node writes to the log: every order command, every position state, every signal
 * decision with its plan. One structured line each, so "why did this not trade" is one grep away.
 */
import type { Logger } from '../adapters/log/logger.ts';
import type { NodeObserver } from '../node/trading-node.ts';

export function engineLog(logger: Logger): NodeObserver {
  return {
    onOutput(output) {
      if (output.type === 'command') {
        const c = output.command;
        logger.info(
          {
            type: c.type,
            positionId: c.positionId,
            symbol: c.symbol,
            ...(c.type === 'placeEntry' ? { side: c.side, legs: c.legs } : {}),
            ...(c.type === 'cancelEntry' ? { tags: c.tags } : {}),
            ...(c.type === 'closePosition'
              ? { side: c.side, quantity: c.quantity, tag: c.tag, reason: c.reason }
              : {}),
            ...(c.type === 'moveStop'
              ? { side: c.side, stopPrice: c.stopPrice, quantity: c.quantity, tag: c.tag }
              : {}),
          },
          'order command',
        );
      } else if (output.type === 'position.update') {
        logger.info(
          { positionId: output.update.positionId, symbol: output.update.symbol, state: output.update.state },
          'position state',
        );
      }
    },
    onDecision(decision) {
      const plan = decision.plan;
      logger.info(
        {
          alertKey: decision.alertKey,
          ...(decision.positionId ? { positionId: decision.positionId } : {}),
          symbol: decision.symbol,
          action: decision.action,
          status: decision.status,
          reason: decision.reason,
          ...(plan
            ? {
                plan: {
                  side: plan.side,
                  quantity: plan.quantity,
                  entry: plan.entryPrice,
                  stop: plan.stopPrice,
                  tp1: plan.tp1,
                  tp2: plan.tp2,
                  tp3: plan.tp3,
                },
              }
            : {}),
        },
        'signal decided',
      );
    },
  };
}
