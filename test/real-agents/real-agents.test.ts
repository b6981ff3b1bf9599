/**
 * Opt-in checks against the real CLIs (BATON_REAL_AGENTS=1): the drivers' argv, stdin plans and
 * parsers against what `claude` and `codex` actually do with no login and no network. They are
 * found on PATH or in $BATON_REAL_AGENTS_DIR/node_modules/.bin, e.g. after
 *   mkdir -p /tmp/real-agents && cd /tmp/real-agents && npm init -y &&
 *   npm install @anthropic-ai/claude-code @openai/codex
 * Each CLI runs with HOME set to a fresh temp dir (so no login is found) in a temp git repo.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locate } from './locate.js';
import { MAX_ARGV_PROMPT_BYTES, createDriver } from '../../src/agents/index.js';
import type { AgentDriver, AgentEvent, RunContext, RunOutcome } from '../../src/agents/index.js';

const enabled = process.env.BATON_REAL_AGENTS === '1';

let root: string;
let home: string;
let repo: string;
let other: string;

beforeAll(() => {
  if (!enabled) return;
  root = realpathSync(mkdtempSync(join(tmpdir(), 'baton-real-agents-')));
  home = join(root, 'home');
  repo = join(root, 'repo');
  other = join(root, 'other');
  for (const d of [home, repo, other]) mkdirSync(d);
  execFileSync('git', ['init', '-q', repo]);
  execFileSync('git', ['init', '-q', other]);
});

afterAll(() => {
  if (enabled) rmSync(root, { recursive: true, force: true });
});

/** Our environment minus anything that could log the CLIs in, with HOME in the temp dir. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(ANTHROPIC_|CLAUDE_|OPENAI_|CODEX_)/.test(k)),
  );
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
}

interface Run {
  events: AgentEvent[];
  outcome: RunOutcome;
  stderr: string;
}

/**
 * Runs one agent like the worker: argv and stdin plan from the driver, every line to the parser,
 * the process group killed with SIGTERM when `stopWhen` says so or at `deadlineMs`
 * (then SIGKILL 5 s later).
 */
function runReal(
  driver: AgentDriver,
  ctx: Partial<RunContext> & { prompt: string },
  mode: 'new' | 'resume',
  opts: { cwd?: string; deadlineMs?: number; stopWhen?: (events: AgentEvent[]) => boolean } = {},
): Promise<Run> {
  const cwd = opts.cwd ?? repo;
  const full: RunContext = { promptFile: '', sessionId: null, slug: 't', worktree: cwd, runId: 'r', ...ctx };
  const [bin, ...args] = driver.argv(full, mode);
  const plan = driver.stdin(full, mode);
  const parser = driver.createParser();
  const child = spawn(bin!, args, {
    cwd,
    detached: true,
    env: cleanEnv(),
    stdio: [plan.kind === 'ignore' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const pid = child.pid!;
  if (plan.kind === 'text') child.stdin!.end(plan.text);
  if (plan.kind === 'messages') child.stdin!.write(plan.first);
  const events: AgentEvent[] = [];
  let stderr = '';
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(-pid, 'SIGTERM');
    } catch {
      return;
    }
    setTimeout(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 5000).unref();
  };
  const lines = (stream: 'stdout' | 'stderr') => {
    let rest = '';
    return (chunk: Buffer): void => {
      if (stream === 'stderr') stderr += chunk.toString('utf8');
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop()!;
      for (const line of parts) {
        for (const e of parser.line(line, stream)) {
          events.push(e);
          if (e.type === 'result' && plan.kind === 'messages') child.stdin!.end();
        }
        if (opts.stopWhen?.(events)) stop();
      }
    };
  };
  child.stdout!.on('data', lines('stdout'));
  child.stderr!.on('data', lines('stderr'));
  const deadline = setTimeout(stop, opts.deadlineMs ?? 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ events, outcome: parser.finish({ code, signal }), stderr });
    });
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const progress = (events: AgentEvent[]): AgentEvent[] => events.filter((e) => e.type === 'progress');
const claudeBin = enabled ? locate('claude') : null;
const codexBin = enabled ? locate('codex') : null;

describe.skipIf(!enabled)('real claude', () => {
  const driver = (liveInput = false): AgentDriver =>
    createDriver({
      name: 'claude',
      preset: 'claude',
      bin: claudeBin ?? 'claude',
      args: [],
      liveInput,
      env: {},
    });

  it('is installed', () => {
    expect(
      claudeBin,
      'claude not found on PATH or in $BATON_REAL_AGENTS_DIR/node_modules/.bin',
    ).not.toBeNull();
  });

  it('new session: real session id, failed with its own not-logged-in message; resume keeps the id', async () => {
    const first = await runReal(driver(), { prompt: '- say hi (a prompt that starts with a dash)' }, 'new');
    expect(first.outcome.sessionId).toMatch(UUID);
    expect(first.outcome.ok).toBe(false);
    expect(first.outcome.error).toMatch(/not logged in/i);
    expect(progress(first.events)).toEqual([]);
    const id = first.outcome.sessionId!;
    // Sessions live under the realpath of the cwd with every non-alphanumeric char turned into '-'.
    expect(
      existsSync(join(home, '.claude', 'projects', repo.replace(/[^a-zA-Z0-9]/g, '-'), `${id}.jsonl`)),
    ).toBe(true);

    const again = await runReal(driver(), { prompt: 'follow up', sessionId: id }, 'resume');
    expect(again.outcome).toMatchObject({ sessionId: id, sessionNotFound: false, ok: false });
    expect(again.outcome.error).toMatch(/not logged in/i);

    // From another directory: claude 2.1.197 looked a session up under the cwd only and said it
    // was not found; 2.1.337 finds it from any directory and resumes the same id. Either is safe
    // for baton (a task resumes from its own worktree); a third answer is not.
    const elsewhere = await runReal(driver(), { prompt: 'x', sessionId: id }, 'resume', { cwd: other });
    expect(elsewhere.outcome.ok).toBe(false);
    if (elsewhere.outcome.sessionNotFound) expect(elsewhere.outcome.sessionId).toBeNull();
    else expect(elsewhere.outcome.sessionId).toBe(id);
  });

  it('unknown session id: sessionNotFound', async () => {
    const run = await runReal(
      driver(),
      { prompt: 'x', sessionId: '00000000-0000-0000-0000-000000000000' },
      'resume',
    );
    expect(run.outcome).toMatchObject({ ok: false, sessionNotFound: true, exitCode: 1 });
  });

  it('live input: the prompt on stdin as stream-json; exits once stdin ends after the result', async () => {
    const run = await runReal(driver(true), { prompt: 'say hi' }, 'new');
    expect(run.outcome.sessionId).toMatch(UUID);
    expect(run.outcome.error).toMatch(/not logged in/i);
  });

  it('a prompt too large for argv goes through stdin', async () => {
    const run = await runReal(driver(), { prompt: `hi\n${'y'.repeat(MAX_ARGV_PROMPT_BYTES + 1000)}` }, 'new');
    expect(run.outcome.sessionId).toMatch(UUID);
    expect(run.outcome.error).toMatch(/not logged in/i);
  });
});

describe.skipIf(!enabled)('real codex', () => {
  const driver = (): AgentDriver =>
    createDriver({
      name: 'codex',
      preset: 'codex',
      bin: codexBin ?? 'codex',
      args: [],
      liveInput: false,
      env: {},
    });
  // Offline it retries forever: stop after a few error events, or when it gives a verdict.
  const enoughErrors = (events: AgentEvent[]): boolean =>
    events.some((e) => e.type === 'result') || events.filter((e) => e.type === 'noise').length >= 5;

  it('is installed', () => {
    expect(codexBin, 'codex not found on PATH or in $BATON_REAL_AGENTS_DIR/node_modules/.bin').not.toBeNull();
  });

  it('offline: thread id captured, no progress, failed once killed; resume re-emits the id', async () => {
    const first = await runReal(driver(), { prompt: '- say hi' }, 'new', {
      stopWhen: enoughErrors,
      deadlineMs: 30_000,
    });
    expect(first.outcome.sessionId).toMatch(UUID);
    expect(progress(first.events)).toEqual([]);
    expect(first.outcome.ok).toBe(false);
    const id = first.outcome.sessionId!;

    const again = await runReal(driver(), { prompt: 'follow up', sessionId: id }, 'resume', {
      stopWhen: enoughErrors,
      deadlineMs: 30_000,
    });
    expect(again.outcome).toMatchObject({ sessionId: id, ok: false, sessionNotFound: false });
  });

  it('unknown thread id: sessionNotFound (Codex says so on stderr only)', async () => {
    const run = await runReal(
      driver(),
      { prompt: 'x', sessionId: '00000000-0000-0000-0000-000000000000' },
      'resume',
      {
        deadlineMs: 30_000,
      },
    );
    expect(run.outcome).toMatchObject({ ok: false, sessionNotFound: true, sessionId: null });
  });

  it('a prompt too large for argv is read from stdin (-)', async () => {
    const run = await runReal(
      driver(),
      { prompt: `hi\n${'z'.repeat(MAX_ARGV_PROMPT_BYTES + 1000)}` },
      'new',
      {
        stopWhen: enoughErrors,
        deadlineMs: 30_000,
      },
    );
    expect(run.outcome.sessionId).toMatch(UUID);
  });
});
