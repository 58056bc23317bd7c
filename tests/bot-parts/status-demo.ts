/**
 * Try the status screen by hand: `npx tsx tests/bot-parts/status-demo.ts` (Ctrl+C to stop).
 * On a terminal it redraws every second; piped (`| cat`) it prints a plain line per change.
 */
import { createStatusScreen } from '../../src/adapters/status/screen.ts';
import { esTp1, model, nqPending } from './status-fixtures.ts';

const started = Date.now();
let price = 5003;
const screen = createStatusScreen({
  model: () => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    price += seconds % 2 === 0 ? 0.75 : -0.25;
    const rung = price >= 5008.5 ? 2 : price >= 5004 ? 1 : 0;
    const stop = rung === 2 ? 5004 : rung === 1 ? 5000.25 : 4995;
    const unrealizedPnl = (price - 5000.25) * 50 * 2;
    return model({
      at: Date.now(),
      positions: [
        { ...esTp1, state: rung === 0 ? 'active' : `tp${rung}`, rung, stop, lastPrice: price, unrealizedPnl },
        nqPending,
      ],
    });
  },
});
screen.start();
const quit = (): void => {
  screen.stop(true);
  process.exit(0);
};
process.on('SIGINT', quit);
process.on('SIGTERM', quit);
setTimeout(quit, Number(process.env.DEMO_SECONDS ?? 3600) * 1000);
