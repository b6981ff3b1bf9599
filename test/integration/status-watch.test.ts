/**
 * `baton status --watch` on a pipe: a separator and the board per frame, a new frame when a task
 * appears, and a clean exit 0 on SIGINT.
 */
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batonBin, makeRig, type Rig } from '../helpers/rig.js';

let rig: Rig;
beforeEach(async () => {
  rig = await makeRig();
});
afterEach(async () => {
  await rig.cleanup();
});

describe('status --watch', () => {
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
