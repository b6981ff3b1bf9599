/**
 * The entry `notify()` starts detached (src/notify/notify.ts): `node dist/cli/notify-main.js`
 * with the job in `BATON_NOTIFY_JOB`. It runs the notifiers to their ends or timeouts and exits;
 * it loads neither commander nor the rest of the CLI.
 */
import './compile-cache.js';

import('../notify/deliver.js')
  .then(({ deliverFromEnv }) => deliverFromEnv(process.env))
  .catch(() => undefined);
