/**
 * The watcher's first start of a ready task, or its automatic retry, is decided from a board read earlier; another start
 * of the same task (a file event's, a cycle's) may have run it to its end since. The start is
 * checked under the task's lock: a task that ran meanwhile is left alone, and in cluster mode the
 * claim that start won is released again (a live claim would lapse and let another host run it).
 *
 * The stale decision is played by calling the watcher's own `carryOut` (dist/watch/carry-out.js) in a
 * node process with the rig's environment, after the task ran.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeClaim } from '../../src/domain/cluster.js';
import { clusterYaml, makeHosts, remoteClaims, type Host } from '../helpers/cluster-rig.ts';
import { agentStarts, fakeAgentsYaml, makeRig, projectRoot, runCommand, type Rig } from '../helpers/rig.ts';

let rigs: Rig[] = [];
let hosts: Host[] = [];

afterEach(async () => {
  for (const r of rigs) await r.cleanup();
  for (const h of [...hosts].reverse()) await h.rig.cleanup();
  rigs = [];
  hosts = [];
});

const url = (p: string): string => pathToFileURL(path.join(projectRoot, 'dist', p)).href;

/** The watcher's decision `{kind, slug}`, carried out as the watcher carries it out. */
async function staleDecision(
  rig: Rig,
  slug: string,
  kind: 'dispatch' | 'retry' = 'dispatch',
): Promise<string> {
  // A file, not `node -e`: the worker is spawned with this process's execArgv.
  const script = path.join(rig.base, `stale-${kind}-${slug}.mjs`);
  writeFileSync(
    script,
    `const { openRepo } = await import(${JSON.stringify(url('ops/repo.js'))});
const { carryOut } = await import(${JSON.stringify(url('watch/carry-out.js'))});
const repo = await openRepo(process.cwd());
process.stdout.write(await carryOut(repo, { kind: ${JSON.stringify(kind)}, slug: ${JSON.stringify(slug)} }));
`,
  );
  const r = await runCommand(process.execPath, [script], { cwd: rig.root, env: rig.env });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** Dispatches `slug` from the CLI and waits until its worker has ended. */
async function runOnce(rig: Rig, slug: string): Promise<void> {
  expect((await rig.baton(['dispatch', slug])).code).toBe(0);
  await rig.waitFor(`${slug} ran and its worker ended`, () =>
    rig.isIdle(slug) && rig.history(slug).some((e) => e.type === 'lock_released') ? true : null,
  );
}

describe("the watcher's first start of a ready task", () => {
  it('starts nothing for a task another start ran meanwhile, and still starts one that never ran', async () => {
    const rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600') });
    rigs.push(rig);
    await rig.writeTask('ran', '@fake sleep=0');
    await rig.writeTask('fresh', '@fake sleep=0');
    await runOnce(rig, 'ran');
    const before = rig.status('ran')!;

    expect(await staleDecision(rig, 'ran')).toMatch(
      /^skipped: Task ran was started by another start \(run \S+\) while this start was being prepared/,
    );
    expect(rig.history('ran').filter((e) => e.type === 'task_dispatched')).toHaveLength(1);
    expect(rig.status('ran')).toMatchObject({ state: 'idle', runId: before.runId });
    expect((await rig.baton(['dispatch', 'ran'])).code, 'the lock was let go').toBe(0);
    await rig.waitFor('the person’s dispatch ran it again', () => agentStarts(rig, 'ran').length === 2);

    // The same path does start a task that never ran.
    expect(await staleDecision(rig, 'fresh')).toMatch(/^started run /);
    await rig.waitFor('fresh started', () => agentStarts(rig, 'fresh').length === 1);
  });

  it('starts no automatic retry for a task that another start ran on since its worker died', async () => {
    const rig = await makeRig({ config: fakeAgentsYaml('heartbeatSeconds: 3600') });
    rigs.push(rig);
    await rig.writeTask('moved', '@fake sleep=0');
    await runOnce(rig, 'moved');
    // The board said worker_gone and due; by the time the retry runs, the task is idle again.
    expect(await staleDecision(rig, 'moved', 'retry')).toMatch(
      /^skipped: Task moved is idle now, no longer waiting for its retry/,
    );
    expect(rig.history('moved').filter((e) => e.type === 'task_dispatched')).toHaveLength(1);
    expect(agentStarts(rig, 'moved')).toHaveLength(1);
    expect(rig.status('moved')).toMatchObject({ state: 'idle', autoRetries: 0 });
  });

  it('in cluster mode, lets go of the claim it won for a task that ran meanwhile', async () => {
    hosts = await makeHosts(['alpha'], clusterYaml());
    const rig = hosts[0]!.rig;
    await rig.writeTask('ran', '@fake sleep=0', { status: 'ready' });
    await runOnce(rig, 'ran');
    await rig.waitFor('the run released its claim', () =>
      rig.history('ran').some((e) => e.type === 'claim_released') ? true : null,
    );

    expect(await staleDecision(rig, 'ran')).toMatch(/^skipped: Task ran was started by another start/);
    const sha = remoteClaims(hosts).get('refs/baton/claims/ran')!;
    const message = execFileSync('git', ['log', '-1', '--format=%B', sha], {
      cwd: hosts[0]!.bare,
      encoding: 'utf8',
    });
    // Won again by the stale start (a new epoch), then released: no live claim is left to lapse.
    expect(decodeClaim(message)).toMatchObject({ host: 'alpha', released: true });
    expect(rig.history('ran').filter((e) => e.type === 'claim_released')).toHaveLength(2);
    expect(agentStarts(rig, 'ran')).toHaveLength(1);
  });
});
