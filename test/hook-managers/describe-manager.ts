/**
 * One manager's suite: the three install orders of scenario.ts, skipped with a sentence on
 * stderr where the manager cannot be had, and skipped quietly unless BATON_HOOK_MANAGERS=1.
 */
import { describe, it } from 'vitest';

import { MANAGERS } from './managers.js';
import { scenario, type Order } from './scenario.js';

const ORDERS: Order[] = ['manager first', 'baton first', 'manager re-run after baton'];

/** Declares the suite of the manager named `name` (a name in managers.ts). */
export function describeManager(name: string): void {
  const enabled = process.env['BATON_HOOK_MANAGERS'] === '1';
  const m = MANAGERS.find((x) => x.name === name);
  const why = m?.unavailable() ?? null;
  if (enabled && why !== null) process.stderr.write(`hook-managers: ${why}\n`);
  describe.skipIf(!enabled || m === undefined || why !== null)(name, () => {
    it.each(ORDERS)('%s', async (order) => {
      if (m) await scenario(m, order);
    });
  });
}
