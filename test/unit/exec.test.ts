/**
 * The proc module's run helper against real processes: a clean exit, a non-zero exit, a
 * signal, a timeout and a missing executable each come back as data with a clear sentence.
 */
import { describe, expect, it } from 'vitest';

import { run, RunError, runText } from '../../src/proc/exec.js';

const node = process.execPath;

describe('run', () => {
  it('captures the output of a command that succeeds', async () => {
    const r = await run(node, ['-e', 'process.stdout.write("out\\n"); process.stderr.write("err\\n")']);
    expect(r).toEqual({ code: 0, stdout: 'out\n', stderr: 'err\n', failure: null, message: '' });
  });

  it('reports a non-zero exit with its code and the first line the command printed', async () => {
    const r = await run(node, ['-e', 'process.stderr.write("boom\\nmore\\n"); process.exit(3)']);
    expect(r.failure).toBe('exit');
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('boom\nmore\n');
    expect(r.message).toMatch(/ exited with code 3: boom\.$/);
  });

  it('reports a missing executable as not found (code 127), without throwing', async () => {
    const r = await run('baton-test-no-such-command', ['x']);
    expect(r).toMatchObject({ code: 127, failure: 'not-found' });
    expect(r.message).toBe('baton-test-no-such-command was not found.');
  });

  it('reports a command killed by a signal, and one that ran out of time', async () => {
    const killed = await run(node, ['-e', 'process.kill(process.pid, "SIGKILL")']);
    expect(killed).toMatchObject({ code: 137, failure: 'signal' });
    expect(killed.message).toMatch(/was killed by SIGKILL\.$/);
    const slow = await run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 200 });
    expect(slow.failure).toBe('timeout');
    expect(slow.message).toMatch(/took longer than 200 ms\.$/);
  });

  it('passes the environment whole, not merged with this process', async () => {
    const r = await run(node, ['-e', 'process.stdout.write(String(process.env.HOME ?? "unset"))'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(r.stdout).toBe('unset');
  });
});

describe('runText', () => {
  it('gives stdout, and throws a RunError naming the command when it fails or is missing', async () => {
    expect(await runText(node, ['-e', 'process.stdout.write("hi")'])).toBe('hi');
    const failed = await runText(node, ['-e', 'process.exit(2)']).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RunError);
    expect((failed as RunError).ran.code).toBe(2);
    expect((failed as RunError).message).toMatch(/exited with code 2\.$/);
    const missing = await runText('baton-test-no-such-command', []).catch((e: unknown) => e);
    expect((missing as Error).message).toBe('baton-test-no-such-command was not found.');
  });
});
