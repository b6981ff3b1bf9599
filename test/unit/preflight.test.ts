import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/config/types.js';
import { checkNodeVersion } from '../../src/cli/node-check.js';
import { BatonError } from '../../src/domain/errors.js';
import { assertAgentRunnable, findExecutable } from '../../src/ops/preflight.js';
import { programPath } from '../../src/proc/executable.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'baton-preflight-'));
  for (const d of ['bin1', 'bin2', 'wt/scripts', 'bin1/folder'])
    mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, 'bin1/plain'), 'not executable');
  writeFileSync(path.join(dir, 'bin2/plain'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'bin2/plain'), 0o755);
  writeFileSync(path.join(dir, 'bin2/agent'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'bin2/agent'), 0o755);
  writeFileSync(path.join(dir, 'wt/scripts/run.sh'), '#!/bin/sh\n');
  chmodSync(path.join(dir, 'wt/scripts/run.sh'), 0o755);
  writeFileSync(path.join(dir, 'wt/scripts/noexec.sh'), '#!/bin/sh\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const claude = (bin: string, env: Record<string, string> = {}): AgentConfig => ({
  name: 'claude',
  preset: 'claude',
  bin,
  args: [],
  liveInput: false,
  env,
});
const command = (argv0: string): AgentConfig => ({
  name: 'mine',
  preset: 'command',
  command: [argv0, '--prompt-file', '{promptFile}'],
  resume: null,
  sessionIdPattern: null,
  outputFormat: null,
  env: {},
});
const thrown = (fn: () => void): BatonError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof BatonError) return err;
    throw err;
  }
  throw new Error('expected a BatonError');
};

describe('findExecutable', () => {
  const PATH = () => [path.join(dir, 'bin1'), path.join(dir, 'bin2')].join(path.delimiter);

  it('looks a bare name up on PATH, skipping files it cannot execute, as execvp does', () => {
    expect(findExecutable('plain', PATH())).toEqual({ ok: true, path: path.join(dir, 'bin2/plain') });
    expect(findExecutable('agent', PATH())).toMatchObject({ ok: true });
    expect(findExecutable('nope', PATH())).toEqual({ ok: false, reason: 'not-on-path', path: null });
    expect(findExecutable('plain', path.join(dir, 'bin1'))).toEqual({
      ok: false,
      reason: 'not-executable',
      path: path.join(dir, 'bin1/plain'),
    });
    expect(findExecutable('agent', '')).toMatchObject({ ok: false, reason: 'not-on-path' });
  });

  it('takes absolute paths as they are and relative ones against the agent cwd', () => {
    expect(findExecutable(path.join(dir, 'bin2/agent'), '')).toMatchObject({ ok: true });
    expect(findExecutable(path.join(dir, 'bin2/gone'), '')).toMatchObject({ ok: false, reason: 'missing' });
    expect(findExecutable(path.join(dir, 'bin1/folder'), '')).toMatchObject({
      ok: false,
      reason: 'directory',
    });
    const wt = path.join(dir, 'wt');
    expect(findExecutable('./scripts/run.sh', '', wt)).toEqual({
      ok: true,
      path: path.join(wt, 'scripts/run.sh'),
    });
    expect(findExecutable('scripts/noexec.sh', '', wt)).toMatchObject({
      ok: false,
      reason: 'not-executable',
    });
    // No cwd to judge against: not checked rather than wrongly refused.
    expect(findExecutable('./scripts/run.sh', '')).toMatchObject({ ok: true });
  });
});

describe('assertAgentRunnable', () => {
  it('says in one sentence that claude is not on PATH, and how to install it', () => {
    const err = thrown(() => assertAgentRunnable(claude('claude'), { PATH: path.join(dir, 'bin1') }));
    expect(err.code).toBe('BAD_CONFIG');
    expect(err.exitCode).toBe(1);
    expect(err.message).toBe(`The claude agent's command "claude" is not on PATH.`);
    expect(err.hint).toBe(
      'Install Claude Code (npm install -g @anthropic-ai/claude-code) or set agents.claude.bin in baton.yaml.',
    );
  });

  it("uses the agent's own PATH from baton.yaml over the environment", () => {
    expect(() =>
      assertAgentRunnable(claude('agent', { PATH: path.join(dir, 'bin2') }), { PATH: '/nowhere' }),
    ).not.toThrow();
  });

  it('names the command key of command agents, and a file that is not executable', () => {
    const missing = thrown(() => assertAgentRunnable(command('my-agent'), { PATH: '' }));
    expect(missing.message).toBe(`The mine agent's command "my-agent" is not on PATH.`);
    expect(missing.hint).toContain('agents.mine.command');
    const noexec = thrown(() =>
      assertAgentRunnable(command('./scripts/noexec.sh'), {}, { root: path.join(dir, 'wt') }),
    );
    expect(noexec.message).toContain('is not executable');
    expect(noexec.hint).toContain('chmod +x');
    expect(() => assertAgentRunnable(command(process.execPath), {})).not.toThrow();
  });

  it('resolves a relative command against the repository root, not the directory the agent runs in', () => {
    const root = path.join(dir, 'wt');
    const elsewhere = path.join(dir, 'bin1');
    expect(() =>
      assertAgentRunnable(command('./scripts/run.sh'), {}, { root, cwd: elsewhere }),
    ).not.toThrow();
    expect(() => assertAgentRunnable(command('scripts/run.sh'), {}, { root, cwd: elsewhere })).not.toThrow();
    const missing = thrown(() =>
      assertAgentRunnable(command('./scripts/agent.sh'), {}, { root: elsewhere, cwd: root }),
    );
    expect(missing.code).toBe('BAD_CONFIG');
    expect(missing.message).toBe(
      `agents.mine.command: ./scripts/agent.sh (resolved against the repository root: ${path.join(elsewhere, 'scripts/agent.sh')}) does not exist.`,
    );
    expect(missing.hint).toContain('a path relative to the repository root');
    const bin = thrown(() => assertAgentRunnable(claude('./node_modules/.bin/claude'), {}, { root }));
    expect(bin.message).toBe(
      `agents.claude.bin: ./node_modules/.bin/claude (resolved against the repository root: ${path.join(root, 'node_modules/.bin/claude')}) does not exist.`,
    );
  });

  it('leaves a command named through a placeholder to the run', () => {
    expect(() =>
      assertAgentRunnable(command('{worktree}/scripts/gone.sh'), {}, { root: dir, cwd: dir }),
    ).not.toThrow();
  });
});

describe('programPath', () => {
  it.each([
    ['./scripts/agent.sh', '/repo/scripts/agent.sh'],
    ['scripts/agent.sh', '/repo/scripts/agent.sh'],
    ['../tools/agent', '/tools/agent'],
    ['/usr/bin/agent', '/usr/bin/agent'],
    ['my-agent', 'my-agent'],
    ['', ''],
  ])('%j in /repo is %j', (command, expected) => {
    expect(programPath(command, '/repo')).toBe(expected);
  });
});

describe('checkNodeVersion', () => {
  it.each([
    ['22.22.0', null],
    ['v22.23.1', null],
    ['23.0.0', null],
    ['24.0.0', null],
    ['nonsense', null],
  ])('%s is fine', (v, expected) => expect(checkNodeVersion(v)).toBe(expected));

  it.each(['22.21.1', '20.20.2', '18.19.1', 'v16.20.0', '8.0.0'])('%s is refused in one sentence', (v) => {
    expect(checkNodeVersion(v)).toBe(
      `This is Node.js ${v.replace(/^v/, '')}, and baton needs Node.js 22.22 or newer.`,
    );
  });
});
