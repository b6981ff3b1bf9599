/**
 * `baton init --skills` installs the shipped AGENTS.md and task-manager skill into a managed
 * repository, and never writes over anything already there.
 */
import { existsSync, lstatSync, promises as fs, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeRig, projectRoot, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig({ init: false });
});
afterEach(async () => {
  await rig.cleanup();
});

const shipped = (rel: string): string => readFileSync(path.join(projectRoot, rel), 'utf8');
const inRepo = (rel: string): string => readFileSync(path.join(rig.root, rel), 'utf8');
const SKILL = '.codex/skills/task-manager/SKILL.md';
const AGENTS_SKILL = '.agents/skills/task-manager/SKILL.md';

describe('baton init --skills', () => {
  it('installs AGENTS.md and the Codex skill, as shipped, alongside the usual init', async () => {
    const r = await rig.baton(['init', '--skills']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('created tasks/');
    expect(r.stdout).toContain('wrote AGENTS.md');
    expect(r.stdout).toContain(`wrote ${SKILL}`);
    expect(r.stdout).toContain(`wrote ${AGENTS_SKILL}`);
    expect(inRepo('AGENTS.md')).toBe(shipped('AGENTS.md'));
    expect(inRepo(SKILL)).toBe(shipped(SKILL));
    expect(inRepo(AGENTS_SKILL)).toBe(shipped(SKILL));
    expect(inRepo(SKILL)).toMatch(/^---\nname: task-manager\ndescription: .+\n---\n/);
    // Plain init installs none of them.
    const plain = await makeRig();
    try {
      expect(existsSync(path.join(plain.root, 'AGENTS.md'))).toBe(false);
      expect(existsSync(path.join(plain.root, '.codex'))).toBe(false);
    } finally {
      await plain.cleanup();
    }
  });

  it('skips files that exist (a symlink included), says so, and writes the rest', async () => {
    await fs.writeFile(path.join(rig.root, 'AGENTS.md'), '# Our own agent rules\n');
    await fs.mkdir(path.join(rig.root, '.agents/skills/task-manager'), { recursive: true });
    const dangling = path.join(rig.root, AGENTS_SKILL);
    symlinkSync(path.join(rig.base, 'nowhere.md'), dangling);
    const r = await rig.baton(['init', '--skills']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/skipped AGENTS\.md: it already exists; baton's version is .*AGENTS\.md/);
    expect(r.stdout).toContain(`skipped ${AGENTS_SKILL}: it already exists`);
    expect(r.stdout).toContain(`wrote ${SKILL}`);
    expect(inRepo('AGENTS.md')).toBe('# Our own agent rules\n');
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(rig.base, 'nowhere.md'))).toBe(false);

    const again = await rig.baton(['init', '--skills']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('wrote');
    expect(again.stdout.match(/skipped/g)).toHaveLength(3);
  });
});
