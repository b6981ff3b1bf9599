/**
 * The one hook template, hooks/baton-hook.sh: shellcheck finds nothing in it, and each hook's
 * shim is the template with its three slots filled in and nothing else changed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { HOOK_NAMES } from '../../src/hooks/rules.js';
import { fillShim, isShim, shQuote, templatePath } from '../../src/hooks/shim.js';

const template = readFileSync(templatePath(), 'utf8');
const target = { node: '/opt/node $HOME/bin/node', entry: "/x/it's/dist/cli/hook-main.js" };

describe('the hook template', () => {
  it('is clean under shellcheck', () => {
    const root = path.resolve(path.dirname(templatePath()), '..');
    const r = spawnSync('shellcheck', ['--format=gcc', path.relative(root, templatePath())], {
      cwd: root,
      encoding: 'utf8',
    });
    if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        "shellcheck is not on PATH: install Debian's shellcheck (`apt-get install -y shellcheck`); the npm package of that name is not it.",
      );
    }
    expect(r.error).toBeUndefined();
    // Each finding is a line `file:line:col: level: message [SCnnnn]`; fix it, or disable that
    // check inline with a comment saying why the construct is meant.
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(HOOK_NAMES)(
    'renders the %s shim: its name and target in the slots, the rest as shipped',
    (name) => {
      const shim = fillShim(template, name, target);
      expect(isShim(shim)).toBe(true);
      const lines = shim.split('\n');
      expect(lines).toContain(`hook=${shQuote(name)}`);
      expect(lines).toContain(`baton_node=${shQuote(target.node)}`);
      expect(lines).toContain(`baton_entry=${shQuote(target.entry)}`);
      const slots = /^(hook|baton_node|baton_entry)=/;
      const blank = (text: string): string[] =>
        text.split('\n').map((l) => (slots.test(l) ? l.replace(/=.*/, '=') : l));
      expect(blank(shim)).toEqual(blank(template));
    },
  );

  it('refuses a template that lacks a slot or has one twice', () => {
    expect(() => fillShim(template.replace("\nhook=''\n", '\n'), 'pre-commit', target)).toThrow(
      /not a baton shim/,
    );
    expect(() => fillShim(`${template}hook=''\n`, 'pre-commit', target)).toThrow(/not a baton shim/);
    expect(() => fillShim(template.replace('# baton-hook-shim', '#'), 'pre-commit', target)).toThrow(
      /not a baton shim/,
    );
  });
});

describe('the task worktrees’ shims', () => {
  it('fill chain_dir, and leave it empty in the main hooks folder', () => {
    const main = fillShim(template, 'pre-commit', target);
    expect(main.split('\n')).toContain("chain_dir=''");
    const task = fillShim(template, 'pre-commit', target, "/repo/.husky/_ it's");
    expect(task.split('\n')).toContain(`chain_dir=${shQuote("/repo/.husky/_ it's")}`);
    expect(isShim(task)).toBe(true);
  });
});
