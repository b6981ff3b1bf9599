/**
 * The black-box test rig: a real temporary git repository, the real built `baton` binary, fake
 * agents that speak the real output shapes, and cleanup that ends every process the test
 * started — found by a marker in their environment, ended by pid.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  promises as fs,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
  history(slug: string): Record<string, unknown>[];
  fakeEvents(): Record<string, unknown>[];
  /** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
  waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs?: number): Promise<NonNullable<T>>;
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
  delete env.BATON_RUN_ID;
  const baton: Rig['baton'] = (args, o = {}) =>
    new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [batonBin, ...args],
        { cwd: o.cwd ?? root, env: { ...env, ...(o.env ?? {}) }, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (o.input !== undefined) child.stdin?.end(o.input);
      else child.stdin?.end();
    });
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
    status(slug) {
      const f = path.join(root, 'tasks/logs', `dispatch-${slug}.status.json`);
      return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, unknown>) : null;
    },
    history(slug) {
      const f = path.join(root, 'tasks/logs', `dispatch-${slug}.history.jsonl`);
      if (!existsSync(f)) return [];
      return readFileSync(f, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    fakeEvents() {
      if (!existsSync(fakeLog)) return [];
      return readFileSync(fakeLog, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async waitFor(what, fn, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = await fn();
        if (v) return v as NonNullable<typeof v>;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
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

/**
 * Pids of live processes whose environment carries `BATON_TEST_MARKER=<marker>`, except the idle
 * standby worker of a watcher that still runs (src/launch/standby.ts): it holds nothing and ends
 * with its watcher, so "nothing runs but the watcher" holds with it. A standby whose watcher is
 * gone is listed: it should have ended.
 */
export function markedPids(marker: string): number[] {
  const all = allMarkedPids(marker);
  return all.filter((pid) => !isIdleStandby(pid, all));
}

function allMarkedPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (env.includes(`BATON_TEST_MARKER=${marker}\0`) && !isZombie(pid)) pids.push(pid);
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** A `baton worker` still waiting in `/` for its assignment, child of a marked process (its watcher). */
function isIdleStandby(pid: number, marked: number[]): boolean {
  try {
    if (!/\0worker\0$/.test(readFileSync(`/proc/${pid}/cmdline`, 'latin1'))) return false;
    if (readlinkSync(`/proc/${pid}/cwd`) !== '/') return false;
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return marked.includes(ppid);
  } catch {
    return false;
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return true;
  }
}

/** SIGKILLs every process carrying the marker, by pid, until none is left. */
export async function killMarked(marker: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const pids = allMarkedPids(marker);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
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

/** True while `pid` runs and is not a zombie (by /proc: tests end processes by pid). */
export function processAlive(pid: number): boolean {
  try {
    return !isZombie(pid) && readFileSync(`/proc/${pid}/stat`, 'latin1').length > 0;
  } catch {
    return false;
  }
}

/** One line of the fake agents' log (test/fixtures/agents/README.md). */
export type FakeEvent = Record<string, unknown> & { event: string; pid: number; t: number };

/** The fake agents' `start` events of task `slug`, in order. */
export function agentStarts(rig: Rig, slug: string): FakeEvent[] {
  return (rig.fakeEvents() as FakeEvent[]).filter(
    (e) => e.event === 'start' && (e.env as Record<string, string>).BATON_SLUG === slug,
  );
}
