/**
 * Issue 14's config minors, through the CLI as a user meets them: a YAML mistake in baton.yaml
 * is reported at the line to fix, a misspelt setting or agent name gets a "did you mean", and
 * a relative agent command is found where it is checked and run from the task's worktree.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

const git = (...args: string[]): string =>
  execFileSync('git', args, { cwd: rig.root, env: rig.env, encoding: 'utf8' });

describe('a bad baton.yaml, as `baton status` reports it', () => {
  it.each([
    [
      'an unclosed double quote',
      'defaultAgent: claude\nmaxConcurrent: 2\nbranchPrefix: "task/\nheartbeatSeconds: 30\nstallSeconds: 600\n\n# end\n',
      'baton.yaml:3: invalid YAML: a double quote opened here is never closed',
    ],
    [
      'an unclosed flow sequence inside a flow map',
      'defaultAgent: mine\nagents:\n  mine: { command: [./x.sh }\nmaxConcurrent: 2\n',
      'baton.yaml:3: invalid YAML: a "{" opened here is never closed',
    ],
    [
      'an unclosed flow sequence',
      'agents:\n  mine:\n    command: [./x.sh\ndefaultAgent: mine\nmaxConcurrent: 2\n',
      'baton.yaml:3: invalid YAML: a "[" opened here is never closed',
    ],
    [
      'a key indented under a scalar',
      'defaultAgent: claude\nmaxConcurrent: 4\n  branchPrefix: x\n',
      'baton.yaml:3: invalid YAML: this line is indented more than the key above it',
    ],
    [
      'a misspelt command in an agent',
      'defaultAgent: mine\nagents:\n  mine:\n    comand: [./x.sh]\n',
      'baton.yaml:4: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found neither; "comand" is not a setting: did you mean command?',
    ],
    [
      'a misspelt preset',
      'agents:\n  mine:\n    preset: cluade\n',
      'baton.yaml:3: agents.mine needs "preset: claude", "preset: codex" or "command: [...]", found preset "cluade"; did you mean claude?',
    ],
    [
      'a misspelt defaultAgent',
      'defaultAgent: codx\n',
      'baton.yaml:1: defaultAgent must be the name of one of the agents (claude, codex), found "codx"; did you mean codex?',
    ],
  ])('%s: exit 1, at the line to fix', async (_name, yaml, expected) => {
    await rig.writeConfig(yaml);
    const r = await rig.baton(['status']);
    expect(r.code, r.stderr).toBe(1);
    const first = r.stderr.split('\n')[0] ?? '';
    expect(first.startsWith(`baton: ${expected}`), r.stderr).toBe(true);
  });

  it.each([
    [
      'a misspelt top-level setting',
      'maxConcurent: 2\n',
      'baton.yaml:1: unknown setting "maxConcurent" is ignored; did you mean maxConcurrent?',
    ],
    [
      'a misspelt key inside an agent',
      'agents:\n  claude:\n    argz: [--fast]\n',
      'baton.yaml:3: agents.claude.argz is not a known agent setting and is ignored; did you mean args?',
    ],
  ])('%s: a warning with the setting meant, and status goes on', async (_name, yaml, expected) => {
    await rig.writeConfig(yaml);
    const r = await rig.baton(['status']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([`baton: warning: ${expected}`]);
  });
});

describe('a task naming an unknown agent', () => {
  it('says which agent was meant, in dispatch, in the watcher and in status', async () => {
    await rig.writeTask('bad', 'Never runs.', { agent: 'claud' });
    const d = await rig.baton(['dispatch', 'bad']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(
      'baton: tasks/bad.md names agent "claud", which baton.yaml does not define (did you mean claude?).',
    );
    const once = await rig.baton(['watch', '--once']);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toContain('(did you mean claude?)');
    const table = await rig.baton(['status'], { env: { COLUMNS: '300' } });
    expect(table.stdout).toMatch(/^bad\s+ready\s+claud\b.*did you mean claude\?/m);
    const json = JSON.parse((await rig.baton(['status', '--json'])).stdout) as {
      tasks: { slug: string; error: string | null; waiting: { reason: string; detail: string } | null }[];
    };
    const bad = json.tasks.find((t) => t.slug === 'bad');
    expect(bad?.error).toContain('did you mean claude?');
    expect(bad?.waiting?.reason).toBe('dispatch_failed');
    expect(bad?.waiting?.detail).toContain('did you mean claude?');
  });
});

describe('a relative agent command', () => {
  /** An agent script that writes the directory it runs in to `out`. */
  const script = (out: string): string => `#!/bin/sh\npwd -P > ${JSON.stringify(out)}\n`;

  it('is resolved against the repository root for the check and the run, and runs in the task worktree', async () => {
    const committedOut = path.join(rig.base, 'committed-cwd.txt');
    const localOut = path.join(rig.base, 'local-cwd.txt');
    await fs.mkdir(path.join(rig.root, 'scripts'));
    await fs.writeFile(path.join(rig.root, 'scripts/agent.sh'), script(committedOut), { mode: 0o755 });
    git('add', 'scripts/agent.sh');
    git('commit', '-q', '-m', 'the agent script');
    // Only in the main worktree, never committed: a task worktree does not have it, and it is
    // still what runs, as it is what the check found.
    await fs.writeFile(path.join(rig.root, 'scripts/local.sh'), script(localOut), { mode: 0o755 });
    await rig.writeConfig(
      [
        'defaultAgent: mine',
        'agents:',
        '  mine: { command: [./scripts/agent.sh, "{promptFile}"] }',
        '  local: { command: [scripts/local.sh, "{promptFile}"] }',
        '  gone: { command: [./scripts/gone.sh, "{promptFile}"] }',
      ].join('\n'),
    );

    await rig.writeTask('alpha', 'Say where you are.');
    const a = await rig.baton(['dispatch', 'alpha']);
    expect(a.code, a.stderr).toBe(0);
    await rig.waitFor('alpha to finish its run', () => rig.isIdle('alpha'));
    const alphaWorktree = realpathSync(path.join(rig.worktreesDir, 'alpha'));
    expect(readFileSync(committedOut, 'utf8').trim()).toBe(alphaWorktree);

    await rig.writeTask('beta', 'Say where you are.', { agent: 'local' });
    const b = await rig.baton(['dispatch', 'beta']);
    expect(b.code, b.stderr).toBe(0);
    await rig.waitFor('beta to finish its run', () => rig.isIdle('beta'));
    expect(existsSync(path.join(rig.worktreesDir, 'beta', 'scripts/local.sh'))).toBe(false);
    expect(readFileSync(localOut, 'utf8').trim()).toBe(realpathSync(path.join(rig.worktreesDir, 'beta')));
    expect(rig.status('beta')?.error ?? null).toBeNull();

    await rig.writeTask('gamma', 'Never runs.', { agent: 'gone' });
    const g = await rig.baton(['dispatch', 'gamma']);
    expect(g.code).toBe(1);
    const root = realpathSync(rig.root);
    expect(g.stderr.split('\n')[0]).toBe(
      `baton: agents.gone.command: ./scripts/gone.sh (resolved against the repository root: ${path.join(root, 'scripts/gone.sh')}) does not exist.`,
    );
    expect(g.stderr).toContain('a path relative to the repository root');
    expect(existsSync(path.join(rig.worktreesDir, 'gamma'))).toBe(false);
  });
});
