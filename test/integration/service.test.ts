/**
 * `baton service`: the generated systemd unit and launchd plist (checked by systemd-analyze and
 * a plist parser where present), and install/status/uninstall with HOME in a temp folder.
 * The service manager is always a fake (BATON_SYSTEMCTL / BATON_LAUNCHCTL): a test must never
 * install a real service on the machine that runs it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderLaunchdPlist } from '../../src/service/launchd.js';
import { serviceName, type ServiceSpec } from '../../src/service/spec.js';
import { renderSystemdUnit } from '../../src/service/systemd.js';
import { batonBin, makeRig, type Rig } from '../helpers/rig.js';

/** A temp folder for every test; the CLI tests also make a rig (a repository) inside their own. */
let tmp: string;
beforeEach(() => {
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'baton-service-')));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const node = realpathSync(process.execPath);
const main = realpathSync(batonBin);

function spec(root: string): ServiceSpec {
  return {
    name: serviceName(root),
    root,
    node,
    mainJs: main,
    logFile: path.join(root, 'tasks/logs/watch.log'),
    path: '/usr/local/bin:/usr/bin:/bin',
  };
}

/** A fake systemctl/launchctl: records each call; `mode` says whether a manager answers. */
function fakeManager(mode: 'ok' | 'no-bus', calls: string): string {
  const file = path.join(tmp, `fake-manager-${mode}.sh`);
  const body =
    mode === 'no-bus'
      ? 'echo "Failed to connect to bus: No medium found" >&2\nexit 1\n'
      : 'case "$*" in *is-active*) echo active ;; print*) echo "	state = running" ;; esac\nexit 0\n';
  writeFileSync(file, `#!/bin/sh\necho "$*" >> ${JSON.stringify(calls)}\n${body}`);
  chmodSync(file, 0o755);
  return file;
}

const recorded = (calls: string): string[] =>
  existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

/** Runs `systemd-analyze verify` on `text` as the named unit; returns its complaints. */
function verifyUnit(text: string, name: string): { status: number | null; stderr: string } {
  const dir = path.join(tmp, 'verify');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const r = spawnSync(systemdAnalyze!, ['verify', file], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

/** A minimal well-formedness check: tags nest and close; returns the element tree of the plist. */
type Node = { tag: string; text: string; children: Node[] };
function parseXml(text: string): Node {
  const body = text
    .replace(/^<\?xml[^>]*\?>/, '')
    .replace(/<!DOCTYPE[^>]*>/, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const root: Node = { tag: '#root', text: '', children: [] };
  const stack: Node[] = [root];
  const re = /<(\/?)([A-Za-z]+)[^>]*?(\/?)>|([^<]+)/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const top = stack[stack.length - 1]!;
    if (m[4] !== undefined) {
      expect(m[4]).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
      top.text += m[4]
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&');
    } else if (m[1] === '/') {
      expect(top.tag, 'closing tag matches').toBe(m[2]);
      stack.pop();
    } else {
      const el: Node = { tag: m[2]!, text: '', children: [] };
      top.children.push(el);
      if (m[3] !== '/') stack.push(el);
    }
  }
  expect(stack, 'every tag closed').toHaveLength(1);
  expect(root.children.map((c) => c.tag)).toEqual(['plist']);
  return root.children[0]!;
}

/** The plist's top dict as key → node. */
function plistDict(dict: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (let i = 0; i < dict.children.length; i += 2) out.set(dict.children[i]!.text, dict.children[i + 1]!);
  return out;
}

describe('systemd unit', () => {
  it('passes systemd-analyze verify, keeps workers alive on stop, restarts on failure, captures PATH', () => {
    const root0 = path.join(tmp, 'repo');
    const text = renderSystemdUnit(spec(root0));
    expect(text).toMatch(/^KillMode=process$/m);
    expect(text).toMatch(/^Restart=on-failure$/m);
    expect(text).toContain(`ExecStart=${node} ${main} watch\n`);
    expect(text).toContain(`WorkingDirectory=${root0}\n`);
    expect(text).toContain('Environment="PATH=/usr/local/bin:/usr/bin:/bin"');
    expect(text).toContain(`StandardOutput=append:${path.join(root0, 'tasks/logs/watch.log')}\n`);
    expect(text).toContain(`StandardError=append:${path.join(root0, 'tasks/logs/watch.log')}\n`);
    if (!systemdAnalyze) return;
    const r = verifyUnit(text, `baton-${serviceName(root0)}.service`);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('quotes paths with spaces, %, $ and quotes so that systemd reads them back unchanged', () => {
    const root = path.join(tmp, 'my repo %i $HOME "q"');
    mkdirSync(root);
    // verify checks that ExecStart's program exists: a node behind an odd path proves the path is read back whole.
    const oddNode = path.join(tmp, 'bin $PATH %h', 'node');
    mkdirSync(path.dirname(oddNode));
    symlinkSync(node, oddNode);
    const text = renderSystemdUnit({ ...spec(root), node: oddNode, mainJs: path.join(root, 'main $x.js') });
    expect(text).toContain(`WorkingDirectory=${root.replace(/%/g, '%%')}\n`);
    // The program is never $-expanded; an argument is.
    expect(text).toContain(
      `ExecStart="${oddNode.replace(/%/g, '%%')}" "${root.replace(/%/g, '%%').replace(/\$/g, '$$$$').replace(/"/g, '\\"')}/main $$x.js" watch\n`,
    );
    // A program path systemd refuses outright (quotes) goes through /usr/bin/env.
    const quotedNode = path.join(root, "it's", 'node');
    mkdirSync(path.dirname(quotedNode));
    symlinkSync(node, quotedNode);
    const viaEnv = renderSystemdUnit({ ...spec(root), node: quotedNode });
    expect(viaEnv).toMatch(/^ExecStart=\/usr\/bin\/env "/m);
    if (!systemdAnalyze) return;
    for (const [i, t] of [text, viaEnv].entries()) {
      const r = verifyUnit(t, `baton-odd-000${i}.service`);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });
});

describe('launchd plist', () => {
  it('is a well-formed plist running [node, main.js, watch] in the repository, abandoning its process group', () => {
    const root = path.join(tmp, 'a & b <c>');
    const text = renderLaunchdPlist(spec(root));
    const dict = plistDict(parseXml(text).children[0]!);
    expect(dict.get('Label')?.text).toBe(`dev.baton.${serviceName(root)}`);
    expect(dict.get('ProgramArguments')?.children.map((c) => c.text)).toEqual([node, main, 'watch']);
    expect(dict.get('WorkingDirectory')?.text).toBe(root);
    expect(dict.get('AbandonProcessGroup')?.tag).toBe('true');
    expect(dict.get('StandardOutPath')?.text).toBe(path.join(root, 'tasks/logs/watch.log'));
    expect(dict.get('StandardErrorPath')?.text).toBe(path.join(root, 'tasks/logs/watch.log'));
    const keepAlive = dict.get('KeepAlive')!;
    expect(keepAlive.children.map((c) => c.tag)).toEqual(['key', 'false']);
    expect(keepAlive.children[0]?.text).toBe('SuccessfulExit');
    expect(plistDict(dict.get('EnvironmentVariables')!).get('PATH')?.text).toBe(
      '/usr/local/bin:/usr/bin:/bin',
    );
    // A real plist parser too, where there is one (plutil on macOS, python's plistlib elsewhere).
    const py = spawnSync(
      'python3',
      ['-c', 'import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
      { input: text, encoding: 'utf8' },
    );
    if (py.status === 0) {
      const parsed = JSON.parse(py.stdout) as Record<string, unknown>;
      expect(parsed.ProgramArguments).toEqual([node, main, 'watch']);
      expect(parsed.KeepAlive).toEqual({ SuccessfulExit: false });
      expect(parsed.AbandonProcessGroup).toBe(true);
    }
  });
});

describe('baton service', () => {
  let rig: Rig;
  let home: string;
  let calls: string;
  beforeEach(async () => {
    rig = await makeRig();
    home = path.join(rig.base, 'home');
    mkdirSync(home);
    calls = path.join(rig.base, 'manager-calls.txt');
  });
  afterEach(async () => {
    await rig.cleanup();
  });
  const unitName = (): string => `baton-${serviceName(rig.root)}.service`;
  const unitFile = (): string => path.join(home, '.config/systemd/user', unitName());

  it('install writes the unit under $HOME and warns with the command to run when systemd cannot be reached; uninstall removes it', async () => {
    const env = {
      HOME: home,
      BATON_SERVICE_MANAGER: 'systemd',
      BATON_SYSTEMCTL: fakeManager('no-bus', calls),
    };
    const r = await rig.baton(['service', 'install'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('could not start it');
    expect(r.stderr).toContain(
      `systemctl --user daemon-reload && systemctl --user enable --now ${unitName()}`,
    );
    const text = readFileSync(unitFile(), 'utf8');
    expect(text).toContain(`ExecStart=${node} ${main} watch\n`);
    expect(text).toContain(`WorkingDirectory=${rig.root}\n`);
    expect(text).toContain(`Environment="PATH=${rig.env.PATH}"`);
    expect(existsSync(path.join(rig.root, 'tasks/logs'))).toBe(true);
    if (systemdAnalyze) expect(verifyUnit(text, unitName()).stderr).toBe('');

    const st = await rig.baton(['service', 'status', '--json'], { env });
    expect(st.code).toBe(0);
    expect(JSON.parse(st.stdout)).toMatchObject({
      installed: true,
      upToDate: true,
      active: false,
      state: 'unknown',
      file: unitFile(),
    });

    const u = await rig.baton(['service', 'uninstall'], { env });
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain('removed');
    expect(existsSync(unitFile())).toBe(false);
    const again = await rig.baton(['service', 'uninstall'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('not installed');
    expect(again.stderr).toBe('');
  });

  it('install reloads, enables and (re)starts the unit; status reports it active; uninstall disables and stops it', async () => {
    const env = { HOME: home, BATON_SERVICE_MANAGER: 'systemd', BATON_SYSTEMCTL: fakeManager('ok', calls) };
    const r = await rig.baton(['service', 'install'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('installed and started');
    expect(recorded(calls)).toEqual([
      'is-system-running', // is there a systemd at all (refusals.test.ts: where there is none)
      '--user daemon-reload',
      `--user enable ${unitName()}`,
      `--user restart ${unitName()}`,
    ]);
    const st = await rig.baton(['service', 'status'], { env });
    expect(st.stdout).toContain('state: active');
    expect(st.stdout).toContain(unitFile());
    expect(st.stdout).toContain(path.join(rig.root, 'tasks/logs/watch.log'));
    execFileSync('sh', ['-c', `: > ${JSON.stringify(calls)}`]);
    const u = await rig.baton(['service', 'uninstall'], { env });
    expect(u.code, u.stderr).toBe(0);
    expect(recorded(calls)[0]).toBe(`--user disable --now ${unitName()}`);
    expect(existsSync(unitFile())).toBe(false);
  });

  it('on launchd, writes the agent plist under ~/Library/LaunchAgents and bootstraps it into the gui domain', async () => {
    const env = { HOME: home, BATON_SERVICE_MANAGER: 'launchd', BATON_LAUNCHCTL: fakeManager('ok', calls) };
    const label = `dev.baton.${serviceName(rig.root)}`;
    const plist = path.join(home, 'Library/LaunchAgents', `${label}.plist`);
    const r = await rig.baton(['service', 'install'], { env });
    expect(r.code, r.stderr).toBe(0);
    const uid = process.getuid!();
    expect(recorded(calls)).toContain(`bootstrap gui/${uid} ${plist}`);
    const dict = plistDict(parseXml(readFileSync(plist, 'utf8')).children[0]!);
    expect(dict.get('ProgramArguments')?.children.map((c) => c.text)).toEqual([node, main, 'watch']);
    expect(dict.get('WorkingDirectory')?.text).toBe(rig.root);
    const st = await rig.baton(['service', 'status', '--json'], { env });
    expect(JSON.parse(st.stdout)).toMatchObject({
      manager: 'launchd',
      unit: label,
      installed: true,
      active: true,
      state: 'running',
    });
    const u = await rig.baton(['service', 'uninstall'], { env });
    expect(u.code, u.stderr).toBe(0);
    expect(recorded(calls)).toContain(`bootout gui/${uid}/${label}`);
    expect(existsSync(plist)).toBe(false);
  });
});
