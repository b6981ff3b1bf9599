/**
 * The four hook managers as a test drives them: each writes its config into a repository
 * (committed, so task worktrees have it too), installs its hooks, and re-installs them (lefthook
 * after a config change, which is when it renames hooks it did not write). Every manager's hook
 * appends `<manager> <hook> <cwd>` to `$MGR_LOG` and exits 3 while the file `$MGR_BLOCK` exists,
 * so a test sees that it ran, where, and that its exit code counts.
 *
 * The npm ones are installed once into $BATON_HOOK_MANAGERS_DIR (default /tmp/baton-hook-managers)
 * with `npm install husky@9 lefthook@2 simple-git-hooks@2`; pre-commit is Debian's
 * (`apt-get install -y pre-commit`) and is skipped, with a message, where it is not on PATH.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

/** Where the npm-installed managers are. */
export const MANAGERS_DIR = process.env['BATON_HOOK_MANAGERS_DIR'] ?? '/tmp/baton-hook-managers';
/** Their executables, put first on PATH for git and baton (lefthook's hook finds lefthook there). */
export const MANAGERS_BIN = path.join(MANAGERS_DIR, 'node_modules/.bin');

/** A command's outcome. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` in `cwd` with `env`; never throws. */
export function run(cmd: string, args: string[], cwd: string, env: Record<string, string>): Run {
  const p = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
  return {
    code: p.status ?? 1,
    stdout: p.stdout ?? '',
    stderr: (p.stderr ?? '') + (p.error ? String(p.error) : ''),
  };
}

/** The shell line each manager runs as its pre-commit. */
const HOOK_LINE =
  'echo "$MGR_NAME pre-commit $(pwd -P)" >> "$MGR_LOG"; if [ -f "$MGR_BLOCK" ]; then exit 3; fi';

/** One hook manager. */
export interface Manager {
  name: 'husky' | 'lefthook' | 'simple-git-hooks' | 'pre-commit';
  /** Why it cannot run here, or null. */
  unavailable(): string | null;
  /** Writes and commits its config in `root`. */
  setup(root: string, env: Record<string, string>): Promise<void>;
  /** Installs (or re-installs) its hooks; `again` is the re-run after baton. */
  install(root: string, env: Record<string, string>, again: boolean): Promise<Run>;
  /** The folders whose files it owns, relative to the root (compared byte for byte). */
  dirs: string[];
}

function commitAll(root: string, env: Record<string, string>, msg: string): void {
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '--no-verify', '-m', msg], { cwd: root, env });
}

function npmBin(name: string): string | null {
  const p = path.join(MANAGERS_BIN, name);
  return existsSync(p)
    ? null
    : `${p} is missing: run \`npm install husky@9 lefthook@2 simple-git-hooks@2\` in ${MANAGERS_DIR}`;
}

const husky: Manager = {
  name: 'husky',
  unavailable: () => npmBin('husky'),
  async setup(root, env) {
    await fs.mkdir(path.join(root, '.husky'), { recursive: true });
    await fs.writeFile(path.join(root, '.husky/pre-commit'), `${HOOK_LINE}\n`);
    commitAll(root, env, 'husky config');
  },
  install: (root, env) => Promise.resolve(run(path.join(MANAGERS_BIN, 'husky'), [], root, env)),
  dirs: ['.husky/_'],
};

const lefthook: Manager = {
  name: 'lefthook',
  unavailable: () => npmBin('lefthook'),
  async setup(root, env) {
    await fs.writeFile(path.join(root, 'lefthook.yml'), lefthookYml(false));
    commitAll(root, env, 'lefthook config');
  },
  async install(root, env, again) {
    if (again) {
      // A config change is what makes lefthook rename the hooks it did not write to *.old.
      await fs.writeFile(path.join(root, 'lefthook.yml'), lefthookYml(true));
      commitAll(root, env, 'lefthook config, changed');
    }
    return run(path.join(MANAGERS_BIN, 'lefthook'), ['install'], root, env);
  },
  dirs: ['.git/hooks'],
};

function lefthookYml(changed: boolean): string {
  const more = changed ? 'pre-push:\n  commands:\n    noop:\n      run: "true"\n' : '';
  return `pre-commit:\n  commands:\n    mgr:\n      run: '${HOOK_LINE.replaceAll("'", "''")}'\n${more}`;
}

const simpleGitHooks: Manager = {
  name: 'simple-git-hooks',
  unavailable: () => npmBin('simple-git-hooks'),
  async setup(root, env) {
    await fs.writeFile(
      path.join(root, 'package.json'),
      `${JSON.stringify({ name: 'x', private: true, 'simple-git-hooks': { 'pre-commit': HOOK_LINE } }, null, 2)}\n`,
    );
    commitAll(root, env, 'simple-git-hooks config');
  },
  install: (root, env) => Promise.resolve(run(path.join(MANAGERS_BIN, 'simple-git-hooks'), [], root, env)),
  dirs: ['.git/hooks'],
};

const preCommit: Manager = {
  name: 'pre-commit',
  unavailable: () =>
    run('pre-commit', ['--version'], '/', { PATH: process.env['PATH'] ?? '' }).code === 0
      ? null
      : "pre-commit is not on PATH (Debian: `apt-get install -y pre-commit`): skipping the pre-commit framework's checks",
  async setup(root, env) {
    const entry = JSON.stringify(`sh -c '${HOOK_LINE}'`);
    await fs.writeFile(
      path.join(root, '.pre-commit-config.yaml'),
      `repos:\n  - repo: local\n    hooks:\n      - id: mgr\n        name: mgr\n        entry: ${entry}\n        language: system\n        always_run: true\n        pass_filenames: false\n`,
    );
    commitAll(root, env, 'pre-commit config');
  },
  install: (root, env) => Promise.resolve(run('pre-commit', ['install'], root, env)),
  dirs: ['.git/hooks'],
};

/** All four, in the order the suite runs them. */
export const MANAGERS: Manager[] = [husky, lefthook, simpleGitHooks, preCommit];
