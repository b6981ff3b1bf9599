/**
 * The fake agents, run as real child processes through the drivers' argv, stdin plans and
 * parsers: the same path the worker takes. Each run has a short timeout and is killed by its
 * process group if it outlives the test.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ARGV_PROMPT_BYTES, createDriver } from '../../src/agents/index.js';
import type { AgentDriver, AgentEvent, RunContext, RunOutcome } from '../../src/agents/index.js';
import type { AgentConfig } from '../../src/config/types.js';

const agentsDir = fileURLToPath(new URL('../fixtures/agents/', import.meta.url));
const FAKE_CLAUDE = join(agentsDir, 'fake-claude.mjs');
const FAKE_CODEX = join(agentsDir, 'fake-codex.mjs');
const FAKE_COMMAND = join(agentsDir, 'fake-command.mjs');

let root: string;
let home: string;
let logFile: string;
let repo: string;
let other: string;
const live = new Set<number>();

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-fake-agents-')));
  home = join(root, 'home');
  logFile = join(root, 'agents.log');
  repo = join(root, 'repo');
  other = join(root, 'other');
  mkdirSync(repo);
  mkdirSync(other);
  execFileSync('git', ['init', '-q', repo]);
});

afterEach(() => {
  for (const pid of live) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const claude = (over: Partial<AgentConfig> = {}): AgentDriver =>
  createDriver({
    name: 'claude',
    preset: 'claude',
    bin: FAKE_CLAUDE,
    args: [],
    liveInput: false,
    env: {},
    ...over,
  } as AgentConfig);
const codex = (): AgentDriver =>
  createDriver({
    name: 'codex',
    preset: 'codex',
    bin: FAKE_CODEX,
    args: ['--sandbox', 'workspace-write'],
    liveInput: false,
    env: {},
  });
const command = (): AgentDriver =>
  createDriver({
    name: 'mine',
    preset: 'command',
    command: [FAKE_COMMAND, '--prompt', '{prompt}'],
    resume: [FAKE_COMMAND, '--resume', '{sessionId}', '--prompt', '{prompt}'],
    sessionIdPattern: 'session: (\\S+)',
    outputFormat: null,
    env: {},
  });

interface Run {
  events: AgentEvent[];
  outcome: RunOutcome;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  cwd?: string;
  sessionId?: string | null;
  env?: Record<string, string>;
  /** Called for each event; may send a signal or a steer message. */
  onEvent?: (e: AgentEvent, child: { pid: number; steer: (text: string) => void }) => void;
  timeoutMs?: number;
}

/** Runs one agent the way the worker does: argv and stdin plan from the driver, lines to the parser. */
function runAgent(
  driver: AgentDriver,
  prompt: string,
  mode: 'new' | 'resume',
  opts: RunOptions = {},
): Promise<Run> {
  const cwd = opts.cwd ?? repo;
  const ctx: RunContext = {
    prompt,
    promptFile: join(root, 'prompt.md'),
    sessionId: opts.sessionId ?? null,
    slug: 't1',
    worktree: cwd,
    runId: 'run-1',
  };
  const [bin, ...args] = driver.argv(ctx, mode);
  const plan = driver.stdin(ctx, mode);
  const parser = driver.createParser();
  const child = spawn(bin!, args, {
    cwd,
    detached: true, // own process group, so cleanup can kill it whole
    stdio: [plan.kind === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      FAKE_AGENT_HOME: home,
      FAKE_AGENT_LOG: logFile,
      BATON_RUN_ID: 'run-1',
      ...opts.env,
    },
  });
  const pid = child.pid!;
  live.add(pid);
  if (plan.kind === 'text') child.stdin!.end(plan.text);
  if (plan.kind === 'messages') child.stdin!.write(plan.first);
  const steer = (text: string): void => {
    child.stdin!.write(driver.inputLine!(text));
  };

  const events: AgentEvent[] = [];
  let stdout = '';
  let stderr = '';
  const onLines = (stream: 'stdout' | 'stderr') => {
    let rest = '';
    return (chunk: Buffer): void => {
      const text = rest + chunk.toString('utf8');
      if (stream === 'stdout') stdout += chunk.toString('utf8');
      else stderr += chunk.toString('utf8');
      const lines = text.split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        for (const e of parser.line(line, stream)) {
          events.push(e);
          // The worker ends Claude's stream-json stdin once the verdict is in.
          if (e.type === 'result' && plan.kind === 'messages') child.stdin!.end();
          opts.onEvent?.(e, { pid, steer });
        }
      }
    };
  };
  child.stdout!.on('data', onLines('stdout'));
  child.stderr!.on('data', onLines('stderr'));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`agent ${bin} did not exit within ${opts.timeoutMs ?? 8000} ms; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 8000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(pid);
      resolve({ events, outcome: parser.finish({ code, signal }), stdout, stderr });
    });
  });
}

interface LogRecord {
  event: string;
  pid: number;
  [key: string]: unknown;
}
const logOf = (pid?: number): LogRecord[] =>
  (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogRecord)
    .filter((r) => pid === undefined || r.pid === pid);
const startOf = (sessionPrompt: string): LogRecord => {
  const found = logOf().filter((r) => r.event === 'start' && r.prompt === sessionPrompt);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const progressCount = (events: AgentEvent[]): number => events.filter((e) => e.type === 'progress').length;

describe('fake-claude through the claude driver', () => {
  it('new session, resume in the same cwd, resume from another cwd', async () => {
    const first = await runAgent(claude(), '- first task', 'new');
    expect(first.outcome).toMatchObject({ ok: true, exitCode: 0, sessionNotFound: false });
    const id = first.outcome.sessionId!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(startOf('- first task')).toMatchObject({
      cwd: repo,
      resumed: false,
      env: { BATON_RUN_ID: 'run-1' },
    });

    const again = await runAgent(claude(), 'second', 'resume', { sessionId: id });
    expect(again.outcome).toMatchObject({ ok: true, sessionId: id });
    expect(startOf('second')).toMatchObject({ resumed: true, sessionId: id, cwd: repo });

    const elsewhere = await runAgent(claude(), 'third', 'resume', { sessionId: id, cwd: other });
    expect(elsewhere.outcome).toMatchObject({
      ok: false,
      sessionNotFound: true,
      sessionId: null,
      exitCode: 1,
    });
    expect(elsewhere.outcome.error).toBe(`No conversation found with session ID: ${id}`);
  });

  it('unknown session id: sessionNotFound', async () => {
    const run = await runAgent(claude(), 'x', 'resume', {
      sessionId: '00000000-0000-0000-0000-000000000000',
    });
    expect(run.outcome).toMatchObject({ ok: false, sessionNotFound: true });
  });

  it('not-logged-in reproduces the recorded run', async () => {
    const run = await runAgent(claude(), 'hi\n@fake not-logged-in', 'new');
    expect(progressCount(run.events)).toBe(0);
    expect(run.outcome).toMatchObject({ ok: false, error: 'Not logged in · Please run /login', exitCode: 1 });
    expect(run.outcome.sessionId).not.toBeNull();
  });

  it('fail reports the message; exit alone does not override a success result', async () => {
    const failed = await runAgent(claude(), 'x\n@fake fail=quota exceeded', 'new');
    expect(failed.outcome).toMatchObject({ ok: false, error: 'quota exceeded', exitCode: 1 });
    const odd = await runAgent(claude(), 'x\n@fake exit=3', 'new');
    expect(odd.outcome).toMatchObject({ ok: true, exitCode: 3 });
  });

  it('sleep prints progress each tick; silent prints none', async () => {
    const busy = await runAgent(claude(), 'x\n@fake sleep=120\n@fake tick=30', 'new');
    expect(progressCount(busy.events)).toBeGreaterThanOrEqual(3);
    const quiet = await runAgent(claude(), 'x\n@fake sleep=120\n@fake tick=30\n@fake silent', 'new');
    expect(progressCount(quiet.events)).toBe(1); // only the final message
  });

  it('die kills it with no result line', async () => {
    const run = await runAgent(claude(), 'x\n@fake die=SIGKILL', 'new');
    expect(run.outcome).toMatchObject({
      ok: false,
      signal: 'SIGKILL',
      error: 'killed by SIGKILL (no result line)',
    });
  });

  it('SIGINT mid-turn ends it like the real one: an error result, exit 0', async () => {
    let sent = false;
    const run = await runAgent(claude(), 'x\n@fake sleep=5000\n@fake tick=20', 'new', {
      onEvent: (e, child) => {
        if (e.type === 'progress' && !sent) {
          sent = true;
          process.kill(-child.pid, 'SIGINT');
        }
      },
    });
    expect(run.outcome).toMatchObject({ ok: false, error: 'Request interrupted by user', exitCode: 0 });
  });

  it('ignore-sigint logs SIGINT and goes on; SIGTERM still ends it', async () => {
    let n = 0;
    let pid = 0;
    const run = await runAgent(claude(), 'x\n@fake sleep=5000\n@fake tick=20\n@fake ignore-sigint', 'new', {
      onEvent: (e, child) => {
        pid = child.pid;
        if (e.type !== 'progress') return;
        n += 1;
        if (n === 1) process.kill(-child.pid, 'SIGINT');
        if (n === 3) process.kill(-child.pid, 'SIGTERM');
      },
    });
    expect(run.outcome).toMatchObject({ ok: false, exitCode: 143 });
    expect(logOf(pid).map((r) => r.event)).toEqual(['start', 'signal', 'signal', 'end']);
  });

  it('live input: the prompt and a steer message go in on stdin', async () => {
    let steered = false;
    let pid = 0;
    const run = await runAgent(
      claude({ liveInput: true }),
      'live task\n@fake sleep=300\n@fake tick=20',
      'new',
      {
        onEvent: (e, child) => {
          pid = child.pid;
          if (e.type === 'progress' && !steered) {
            steered = true;
            child.steer('also update the docs');
          }
        },
      },
    );
    expect(run.outcome).toMatchObject({ ok: true, exitCode: 0 });
    const stdin = logOf(pid).filter((r) => r.event === 'stdin');
    expect(stdin.map((r) => r.text)).toEqual([
      'live task\n@fake sleep=300\n@fake tick=20',
      'also update the docs',
    ]);
    expect(run.stdout).toContain('"content":"also update the docs"');
  });

  it('a huge prompt goes through stdin intact', async () => {
    const prompt = `big\n${'y'.repeat(MAX_ARGV_PROMPT_BYTES + 10)}`;
    const run = await runAgent(claude(), prompt, 'new');
    expect(run.outcome.ok).toBe(true);
    expect(startOf(prompt).argv).not.toContain(prompt);
  });

  it('commit and touch change the worktree', async () => {
    const run = await runAgent(
      claude(),
      'x\n@fake commit\n@fake touch=out/progress.txt\n@fake sleep=40\n@fake tick=20',
      'new',
    );
    expect(run.outcome.ok).toBe(true);
    expect(existsSync(join(repo, 'out/progress.txt'))).toBe(true);
    expect(execFileSync('git', ['-C', repo, 'log', '--oneline'], { encoding: 'utf8' })).toMatch(
      /fake-claude: add/,
    );
  });

  it('without FAKE_AGENT_HOME it exits 2 saying so', async () => {
    const run = await runAgent(claude(), 'x', 'new', { env: { FAKE_AGENT_HOME: '' } });
    expect(run.outcome.exitCode).toBe(2);
    expect(run.stderr).toMatch(/FAKE_AGENT_HOME is not set/);
  });
});

describe('fake-codex through the codex driver', () => {
  it('new thread, resume (from any cwd, like the real one), unknown thread', async () => {
    const first = await runAgent(codex(), '- do it', 'new');
    expect(first.outcome).toMatchObject({ ok: true, exitCode: 0 });
    const id = first.outcome.sessionId!;
    expect(startOf('- do it').argv).toEqual([
      'exec',
      '--json',
      '--sandbox',
      'workspace-write',
      '--',
      '- do it',
    ]);

    const again = await runAgent(codex(), 'more', 'resume', { sessionId: id, cwd: other });
    expect(again.outcome).toMatchObject({ ok: true, sessionId: id });
    expect(startOf('more')).toMatchObject({ resumed: true, sessionId: id });

    const unknown = await runAgent(codex(), 'x', 'resume', { sessionId: 'nope' });
    expect(unknown.outcome).toMatchObject({ ok: false, sessionNotFound: true, sessionId: null, exitCode: 1 });
    expect(unknown.stdout).toBe('');
  });

  it('turn.failed decides even when the exit code is 0', async () => {
    const run = await runAgent(codex(), 'x\n@fake fail=model overloaded\n@fake exit=0', 'new');
    expect(run.outcome).toMatchObject({ ok: false, error: 'model overloaded', exitCode: 0 });
  });

  it('spam-errors: a session, no progress, never done until killed', async () => {
    let errors = 0;
    const run = await runAgent(codex(), 'x\n@fake spam-errors\n@fake tick=10', 'new', {
      onEvent: (e, child) => {
        if (e.type === 'noise' && ++errors === 8) process.kill(-child.pid, 'SIGTERM');
      },
    });
    expect(run.outcome.sessionId).not.toBeNull();
    expect(progressCount(run.events)).toBe(0);
    expect(run.outcome).toMatchObject({ ok: false, signal: 'SIGTERM' });
    expect(run.outcome.error).toMatch(/^Reconnecting\.\.\./);
  });

  it('SIGINT mid-turn: exit 1 and no verdict, so the run failed', async () => {
    let sent = false;
    const run = await runAgent(codex(), 'x\n@fake sleep=5000\n@fake tick=20', 'new', {
      onEvent: (e, child) => {
        if (e.type === 'progress' && !sent) {
          sent = true;
          process.kill(-child.pid, 'SIGINT');
        }
      },
    });
    expect(run.outcome).toMatchObject({
      ok: false,
      exitCode: 1,
      error: 'exited with code 1 before the turn completed',
    });
  });

  it('a huge prompt is read from stdin with -', async () => {
    const prompt = `big\n${'z'.repeat(MAX_ARGV_PROMPT_BYTES + 10)}`;
    const run = await runAgent(codex(), prompt, 'new');
    expect(run.outcome.ok).toBe(true);
    expect(startOf(prompt).argv).toEqual(['exec', '--json', '--sandbox', 'workspace-write', '-']);
  });
});

describe('fake-command through the command driver', () => {
  it('session by pattern, resume in the same cwd, not from another', async () => {
    const first = await runAgent(command(), 'cmd task', 'new');
    expect(first.outcome).toMatchObject({ ok: true, exitCode: 0 });
    const id = first.outcome.sessionId!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const again = await runAgent(command(), 'cmd more', 'resume', { sessionId: id });
    expect(again.outcome).toMatchObject({ ok: true, sessionId: id });
    const elsewhere = await runAgent(command(), 'cmd x', 'resume', { sessionId: id, cwd: other });
    expect(elsewhere.outcome).toMatchObject({ ok: false, sessionNotFound: true, exitCode: 1 });
  });

  it('the exit code is the outcome', async () => {
    const run = await runAgent(command(), 'x\n@fake exit=3', 'new');
    expect(run.outcome).toMatchObject({ ok: false, exitCode: 3, error: 'exited with code 3' });
    const failed = await runAgent(command(), 'x\n@fake fail=it broke', 'new');
    expect(failed.outcome).toMatchObject({ ok: false, error: 'exited with code 1: it broke' });
  });

  it('no-session prints no id', async () => {
    const run = await runAgent(command(), 'x\n@fake no-session', 'new');
    expect(run.outcome).toMatchObject({ ok: true, sessionId: null });
  });

  it('logs its process group', async () => {
    await runAgent(command(), 'pgid check', 'new');
    const start = startOf('pgid check');
    expect(start.pgid).toBe(start.pid); // detached: it leads its own group
  });
});
