/** The husky hook manager next to baton, in each install order (see scenario.ts). */
import { describe, it } from 'vitest';

import { MANAGERS } from './managers.js';
import { scenario, type Order } from './scenario.js';

const enabled = process.env['BATON_HOOK_MANAGERS'] === '1';
const m = MANAGERS.find((x) => x.name === 'husky');
const why = m?.unavailable() ?? null;
if (enabled && why !== null) process.stderr.write(`hook-managers: ${why}\n`);
const orders: Order[] = ['manager first', 'baton first', 'manager re-run after baton'];

describe.skipIf(!enabled || m === undefined || why !== null)('husky', () => {
  it.each(orders)('%s', async (order) => {
    if (m) await scenario(m, order);
  });
});
