/**
 * The entry the git hook shims run: `node dist/cli/hook-main.js <hook> [args...]`, which is
 * `baton hook` without the CLI around it. Loading commander and every command would cost each
 * commit more than the check itself; this loads only what the hook needs.
 */
import './compile-cache.js';
import { hookEntry } from './hook.js';

const [name = '', ...args] = process.argv.slice(2);
hookEntry(name, args).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 0;
  },
);
