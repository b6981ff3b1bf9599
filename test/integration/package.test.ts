/**
 * What `npm pack` ships is what a user installs: the built CLI, the hook template, the docs
 * for agents and the licence; no source maps pointing at sources it does not ship, and no
 * `prepare` script (npm 11 warns about it on every install from a tarball or a folder).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/rig.js';

describe('the package', () => {
  it('ships dist, the hook template, AGENTS.md and LICENSE, and no source maps', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: projectRoot,
      encoding: 'utf8',
    });
    const [pack] = JSON.parse(out) as [{ files: { path: string }[] }];
    const files = pack.files.map((f) => f.path);
    expect(files).toContain('dist/cli/bin.js');
    expect(files).toContain('hooks/baton-hook.sh');
    expect(files).toContain('AGENTS.md');
    expect(files).toContain('LICENSE');
    // baton ui's page, loaded by the browser as it is: no build step at install time.
    for (const f of ['ui/index.html', 'ui/app.js', 'ui/style.css']) expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
  });

  it('builds when packed, not when installed', () => {
    const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['prepack']).toBe('npm run build');
    for (const hook of ['prepare', 'preinstall', 'install', 'postinstall'])
      expect(pkg.scripts[hook], `scripts.${hook}`).toBeUndefined();
  });
});
