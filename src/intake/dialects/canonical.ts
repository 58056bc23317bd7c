/** This bot's own format (docs/alerts.md): `symbol`, `action`, `price`, `time`. Matches any other body. */
import type { Dialect } from './dialect.ts';

export const canonical: Dialect = {
  name: 'canonical',
  source: 'docs/alerts.md',
  fixtures: ['canonical.json'],
  detect: () => true,
};
