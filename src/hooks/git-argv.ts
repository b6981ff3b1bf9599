/** Reading the command line of the git that runs a hook. Pure. */

/**
 * Whether a git command line (`/proc/<pid>/cmdline` of the git that runs the hook) carries
 * `--no-verify`, the override git's own commit, merge and rebase hooks honour (`-n` for commit).
 */
export function gitArgvHasNoVerify(argv: readonly string[]): boolean {
  let i = 1;
  // Global options before the subcommand; these take a separate value.
  const withValue = new Set([
    '-C',
    '-c',
    '--git-dir',
    '--work-tree',
    '--namespace',
    '--config-env',
    '--super-prefix',
  ]);
  while (i < argv.length && (argv[i] ?? '').startsWith('-')) {
    i += withValue.has(argv[i] ?? '') ? 2 : 1;
  }
  const sub = argv[i];
  for (const arg of argv.slice(i + 1)) {
    if (arg === '--') break;
    if (arg === '--no-verify') return true;
    if (sub === 'commit' && /^-[a-zA-Z]+$/.test(arg)) {
      // A cluster like -anm: letters after one that takes a value are that value.
      for (const ch of arg.slice(1)) {
        if (ch === 'n') return true;
        if ('mFcCtSu'.includes(ch)) break;
      }
    }
  }
  return false;
}
