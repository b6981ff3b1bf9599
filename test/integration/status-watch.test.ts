/**
 * `baton status --watch` on a pipe: a separator and the board per frame, a new frame when a task
 * appears, and a clean exit 0 on SIGINT; in cluster mode, the claims `baton status` shows.
 */
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHosts, startWatcher, type Host } from '../helpers/cluster-rig.js';
import { batonBin, makeRig, spawnBaton, type Rig } from '../helpers/rig.js';

describe('status --watch', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(async () => {
    await rig.cleanup();
  });

  it('redraws the board (no ANSI codes on a pipe) until SIGINT, then exits 0', async () => {
    await rig.writeTask('alpha', 'Say hello.', { title: 'First' });
    const child = spawn(process.execPath, [batonBin, 'status', '--watch'], {
      cwd: rig.root,
      env: rig.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await rig.waitFor('first frame', () => /^--- \d{4}-.*---\n[\s\S]*alpha\s+ready/m.test(out));
      expect(out).toContain('LAST OUTPUT');
      await rig.writeTask('beta', 'Say hello again.');
      await rig.waitFor('a frame with beta', () => /beta\s+ready/.test(out));
      await rig.waitFor('another timed frame', () => (out.match(/^--- /gm) ?? []).length >= 3);
      expect(out).not.toContain('\u001b[');
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, err).toBe(0);
    expect(err).toBe('');
  });
});

describe('status --watch in cluster mode', () => {
  let hosts: Host[] = [];
  afterEach(async () => {
    // Host 0 keeps the shared remote in its folder: end it last.
    for (const h of [...hosts].reverse()) await h.rig.cleanup();
    hosts = [];
  });

  it("shows each claim as status does: held on another host, then released, and this host's own", async () => {
    hosts = await makeHosts(['alpha', 'beta']);
    const [alpha, beta] = hosts as [Host, Host];
    // Only alpha watches: it runs the task; beta has the same task file and only looks.
    await startWatcher(alpha);
    await beta.rig.writeTask('held', 'task held', { status: 'draft' });
    const watch = spawnBaton(beta.rig, ['status', '--watch']);
    await watch.waitForLine(/^Hosts \(cluster mode, this host: beta, remote: origin\)$/);
    await watch.waitForLine(/^ {2}no claims yet$/);
    await alpha.rig.writeTask('held', 'task held\n@fake sleep=4000', { status: 'ready' });
    const line = await watch.waitForLine(/^ {2}held: runs elsewhere: alpha /, 20_000);
    expect(line).toMatch(
      /^ {2}held: runs elsewhere: alpha \(epoch 1, since [\d-]+ [\d:]+\), lease \d+ s left$/,
    );
    await watch.waitForLine(/^ {2}held: last ran on alpha \(epoch 1, since .*\); free$/, 30_000);
    // The same words on the host that ran it, and its own claim said as its own.
    const here = spawnBaton(alpha.rig, ['status', '--watch']);
    await here.waitForLine(/^ {2}held: last ran on alpha \(this host\) \(epoch 1/);
    // --json frames carry status --json's cluster fields.
    const json = spawnBaton(beta.rig, ['status', '--watch', '--json']);
    const frame = JSON.parse(await json.waitForLine(/^\{"at"/)) as {
      host: string;
      tasks: { slug: string; claim: { host: string; released: boolean } | null }[];
    };
    expect(frame.host).toBe('beta');
    expect(frame.tasks.find((t) => t.slug === 'held')?.claim).toMatchObject({
      host: 'alpha',
      released: true,
    });
    for (const p of [watch, here, json]) process.kill(p.pid, 'SIGINT');
    expect(await watch.exited).toBe(0);
  });
});
