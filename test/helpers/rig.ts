/**
 * The black-box test rig: a real temporary git repository, the real built `baton` binary, fake
 * agents that speak the real output shapes, and cleanup that ends every process the test
 * started — found by a marker in their environment, ended by pid.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeEvent, fakeLogReader } from './fake-log.ts';
import { killMarked } from './processes.ts';

export type { FakeEvent } from './fake-log.ts';
export { killMarked, markedPids, processAlive, workersOf } from './processes.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The project root. */
export const projectRoot = path.resolve(here, '../..');
/** The built CLI entry. */
export const batonBin = path.join(projectRoot, 'dist/cli/main.js');
/** Fake agents folder. */
export const agentsDir = path.join(projectRoot, 'test/fixtures/agents');

/** The result of one CLI call. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the command's stdin, which is closed either way (nothing waits on a terminal). */
  input?: string;
}

/** Runs `cmd` to its end; a non-zero exit or a failure to start is data (`code`), never a throw. */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: opts.env, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    child.stdin?.end(opts.input);
  });
}

/**
 * Polls `fn` every `everyMs` until it returns a truthy value; fails with `what` after
 * `timeoutMs`. The benchmark polls every 2 ms where the poll's own delay would add to a sample.
 */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 30_000,
  everyMs = 20,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A temporary managed repository with fake agents configured. */
export interface Rig {
  /** Temp folder holding the repo, the worktrees, and fake-agent state. */
  base: string;
  root: string;
  worktreesDir: string;
  fakeLog: string;
  env: Record<string, string>;
  baton(
    args: string[],
    opts?: { cwd?: string; env?: Record<string, string>; input?: string },
  ): Promise<CliResult>;
  writeTask(slug: string, body: string, front?: Record<string, unknown>): Promise<void>;
  writeConfig(yamlText: string): Promise<void>;
  status(slug: string): Record<string, unknown> | null;
  /** True when `slug` is idle with neither worker nor agent recorded: its run has ended whole. */
  isIdle(slug: string): boolean;
  history(slug: string): Record<string, unknown>[];
  /** Every whole line the fake agents have logged so far (read incrementally: cheap to poll). */
  fakeEvents(): FakeEvent[];
  /** {@link waitFor}, for this rig's tests. */
  waitFor<T>(
    what: string,
    fn: () => T | Promise<T>,
    timeoutMs?: number,
    everyMs?: number,
  ): Promise<NonNullable<T>>;
  /** Ends every process started under this rig (by pid) and removes the temp folder. */
  cleanup(): Promise<void>;
}

/** Default agents config pointing at the fake agents. */
export function fakeAgentsYaml(extra = ''): string {
  return [
    'defaultAgent: claude',
    'agents:',
    `  claude: { preset: claude, bin: ${JSON.stringify(path.join(agentsDir, 'fake-claude.mjs'))} }`,
    `  codex: { preset: codex, bin: ${JSON.stringify(path.join(agentsDir, 'fake-codex.mjs'))} }`,
    `  cmd: { command: [${JSON.stringify(path.join(agentsDir, 'fake-command.mjs'))}, --prompt-file, "{promptFile}"], resume: [${JSON.stringify(path.join(agentsDir, 'fake-command.mjs'))}, --resume, "{sessionId}", --prompt-file, "{promptFile}"], sessionIdPattern: "session: (\\\\S+)" }`,
    extra,
  ].join('\n');
}

/** Makes a rig: `git init`, one commit, `baton init`, fake agents in baton.yaml. */
export async function makeRig(opts: { init?: boolean; config?: string } = {}): Promise<Rig> {
  const base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-test-')));
  const root = path.join(base, 'repo');
  const marker = `baton-test-${randomBytes(6).toString('hex')}`;
  await fs.mkdir(root);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'Baton Test');
  git('config', 'commit.gpgsign', 'false');
  await fs.writeFile(path.join(root, 'README.md'), '# test repo\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'init');
  const fakeHome = path.join(base, 'fake-home');
  await fs.mkdir(fakeHome);
  const fakeLog = path.join(base, 'fake-agent.jsonl');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FAKE_AGENT_HOME: fakeHome,
    FAKE_AGENT_LOG: fakeLog,
    BATON_TEST_MARKER: marker,
    GIT_AUTHOR_NAME: 'Baton Test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Baton Test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
  };
  // What the caller's shell may have set must not steer the processes under test.
  delete env.BATON_RUN_ID;
  delete env.BATON_CRASH_AT;
  delete env.BATON_ALLOW;
  // Nor how wide and in what colour the output is: a test asks for these itself.
  delete env.COLUMNS;
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  delete env.NODE_DISABLE_COLORS;
  const baton: Rig['baton'] = (args, o = {}) =>
    runCommand(process.execPath, [batonBin, ...args], {
      cwd: o.cwd ?? root,
      env: { ...env, ...(o.env ?? {}) },
      ...(o.input !== undefined ? { input: o.input } : {}),
    });
  const fakeLogEvents = fakeLogReader(fakeLog);
  const status = (slug: string): Record<string, unknown> | null => {
    const f = path.join(root, 'tasks/logs', `dispatch-${slug}.status.json`);
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) : null;
  };
  const rig: Rig = {
    base,
    root,
    worktreesDir: path.join(base, 'repo.worktrees'),
    fakeLog,
    env,
    baton,
    async writeTask(slug, body, front = {}) {
      const fm = Object.entries(front)
        .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join('\n');
      const text = Object.keys(front).length ? `---\n${fm}\n---\n${body}\n` : `${body}\n`;
      const file = path.join(root, 'tasks', `${slug}.md`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(`${file}.tmp`, text);
      await fs.rename(`${file}.tmp`, file);
    },
    async writeConfig(yamlText) {
      await fs.writeFile(path.join(root, 'baton.yaml'), yamlText);
    },
    status,
    isIdle(slug) {
      const s = status(slug);
      return s?.state === 'idle' && s.pid === null && s.agentPid === null;
    },
    history(slug) {
      const f = path.join(root, 'tasks/logs', `dispatch-${slug}.history.jsonl`);
      if (!existsSync(f)) return [];
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    fakeEvents: () => fakeLogEvents.events(),
    waitFor,
    async cleanup() {
      await killMarked(marker);
      await fs.rm(base, { recursive: true, force: true });
    },
  };
  if (opts.init !== false) {
    const r = await baton(['init']);
    if (r.code !== 0) throw new Error(`baton init failed: ${r.stderr}`);
    await rig.writeConfig(opts.config ?? fakeAgentsYaml());
  }
  return rig;
}

/** A baton process running in the background (e.g. `baton watch`), with its stderr collected. */
export interface Background {
  pid: number;
  output(): string;
  /** Resolves when a line matching `re` has been printed. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Starts `baton <args>` in the background under the rig (ended by the rig's cleanup). */
export function spawnBaton(rig: Rig, args: string[]): Background {
  const child = spawn(process.execPath, [batonBin, ...args], {
    cwd: rig.root,
    env: rig.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.re.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pid: child.pid ?? -1,
    output: () => out,
    exited,
    waitForLine(re, timeoutMs = 30_000) {
      const line = out.split('\n').find((l) => re.test(l));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${re} in:\n${out}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
  };
}

/** The fake agents' `start` events of task `slug`, in order. */
export function agentStarts(rig: Rig, slug: string): FakeEvent[] {
  return rig
    .fakeEvents()
    .filter((e) => e.event === 'start' && (e.env as Record<string, string>).BATON_SLUG === slug);
}
