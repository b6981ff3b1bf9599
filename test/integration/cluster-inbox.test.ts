/**
 * Cluster mode's remote inbox across a crash of the taker (docs/design.md, "Several hosts",
 * "Follow-ups cross hosts"): the holder's watcher dies by a real SIGKILL (a crash point) in the
 * middle of taking a follow-up, the host's worker and agent are killed too, another host takes
 * the task over, and the dead host's watcher comes back. What is checked comes from the fake
 * agents' own logs: the follow-up's text reached an agent exactly once, across both hosts.
 */
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeHosts, remoteClaims, runsBySlug, startWatcher, type Host } from '../helpers/cluster-rig.ts';
import { spawnBaton } from '../helpers/rig.ts';

let hosts: Host[] = [];

afterEach(async () => {
  // Host 0 keeps the shared bare remote in its folder: it is removed last.
  for (const h of [...hosts].reverse()) await h.rig.cleanup();
  hosts = [];
});

/** How many times `text` reached an agent on any host: as a run's prompt or as live input. */
function deliveries(text: string): { host: string; how: string }[] {
  return hosts.flatMap((h) =>
    h.rig
      .fakeEvents()
      .filter(
        (e) =>
          (e.event === 'start' && String(e.prompt).includes(text)) ||
          (e.event === 'stdin' && String(e.text).includes(text)),
      )
      .map((e) => ({ host: h.name, how: String(e.event) })),
  );
}

/** The remote's inbox refs and the subject line of the commit each points at. */
function inboxRefs(h: Host): { ref: string; subject: string }[] {
  return [...remoteClaims(hosts).entries()]
    .filter(([ref]) => ref.startsWith('refs/baton/inbox/'))
    .map(([ref, sha]) => ({
      ref,
      subject: execFileSync('git', ['log', '-1', '--format=%s', sha], {
        cwd: h.bare,
        encoding: 'utf8',
      }).trim(),
    }));
}

/** The copies staged in a host's inbox folder for task `slug`. */
function stagedCopies(h: Host, slug: string): string[] {
  const dir = path.join(h.rig.root, 'tasks/logs/inbox', slug);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n.startsWith('.remote-'));
}

describe('the remote inbox across a crash of the host taking a follow-up', () => {
  it.each([
    // Staged on the holder's disk, the item still on the remote: the new holder takes it.
    ['inbox.after-stage', 'the item itself'],
    // Swapped to "taken by alpha": alpha alone delivers it when it comes back (sending it on to beta).
    ['inbox.after-take', 'taken by alpha'],
    // Taken and its drop made in alpha's tasks/, the record not yet deleted: alpha only cleans up.
    ['inbox.after-deliver', 'taken by alpha, the drop made'],
  ])(
    'the holder killed at %s (the ref left as %s), the task taken over by another host, the dead host restarted: the follow-up reaches an agent exactly once',
    async (point, _leftAs) => {
      const took = point !== 'inbox.after-stage';
      hosts = await makeHosts(['alpha', 'beta']);
      const [alpha, beta] = hosts as [Host, Host];
      const crashLog = path.join(alpha.rig.base, 'crash.jsonl');
      // alpha's watcher dies by SIGKILL at the crash point; its agent would run for a minute,
      // beta's (the same task, its own task file) for a second.
      alpha.watcher = spawnBaton(
        { ...alpha.rig, env: { ...alpha.rig.env, BATON_CRASH_AT: point, BATON_CRASH_LOG: crashLog } },
        ['watch'],
      );
      await alpha.watcher.waitForLine(/watching/);
      await alpha.rig.writeTask('x', 'task x\n@fake sleep=60000', { status: 'ready' });
      await beta.rig.writeTask('x', 'task x\n@fake sleep=1000', { status: 'ready' });
      await alpha.rig.waitFor('alpha runs x', () => runsBySlug(hosts).get('x')?.length === 1);
      const held = await alpha.rig.waitFor('alpha names its worker and agent', () => {
        const st = alpha.rig.status('x');
        return typeof st?.pid === 'number' && typeof st.agentPid === 'number' ? st : null;
      });
      await startWatcher(beta);

      const text = `follow-up-once-${point}`;
      const sent = await beta.rig.baton(['followup', 'x', text]);
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toMatch(/sent to host alpha/);

      // alpha's watcher takes it and dies at the crash point.
      await alpha.rig.waitFor('the crash point was hit', () => existsSync(crashLog), 30_000);
      expect(readFileSync(crashLog, 'utf8')).toContain(`"point":"${point}"`);
      await alpha.watcher.exited;
      expect(stagedCopies(alpha, 'x')).toHaveLength(1);
      const left = inboxRefs(alpha);
      expect(left).toHaveLength(1);
      if (took) expect(left[0]!.subject).toMatch(/taken by alpha$/);
      else expect(left[0]!.subject).toMatch(/^baton follow-up for x from beta$/);
      const drops = readdirSync(path.join(alpha.rig.root, 'tasks')).filter((n) => n.startsWith('x.r'));
      expect(drops).toHaveLength(point === 'inbox.after-deliver' ? 1 : 0);
      expect(deliveries(text)).toEqual([]);

      // The rest of alpha dies too (worker and agent's group), so its claim lapses.
      process.kill(held.pid as number, 'SIGKILL');
      process.kill(-(held.agentPid as number), 'SIGKILL');
      await beta.rig.waitFor(
        'beta took x over and ran it to its end',
        () => (runsBySlug(hosts).get('x') ?? []).find((r) => r.host === 'beta' && r.end !== null),
        60_000,
      );
      expect(beta.rig.history('x').some((e) => e.type === 'claim_taken_over')).toBe(true);
      if (!took) {
        await beta.rig.waitFor(
          'beta took the item and gave it to its agent',
          () => deliveries(text).length > 0,
          60_000,
        );
      } else {
        // alpha's record stands: beta does not take it, and alpha's copy is the only one.
        await beta.rig.waitFor('beta released x after its run', () =>
          beta.rig.history('x').some((e) => e.type === 'claim_released'),
        );
        expect(inboxRefs(alpha).map((r) => r.subject)).toEqual([expect.stringMatching(/taken by alpha$/)]);
        expect(deliveries(text)).toEqual([]);
      }

      // alpha comes back.
      await startWatcher(alpha);
      if (point === 'inbox.after-stage')
        await alpha.watcher.waitForLine(
          /x: follow-up \S+ was taken and delivered by another host; dropped the copy/,
        );
      else if (point === 'inbox.after-take')
        await alpha.watcher.waitForLine(
          /x: follow-up \S+ arrived from the remote inbox .*taken before a restart/,
        );
      // Its drop (made before the crash, or now) is alpha's to ingest: the task is beta's, so it goes on to beta.
      if (took) await alpha.watcher.waitForLine(/tasks\/x\.r\S+\.followup\.md: sent to host beta/);
      await beta.rig.waitFor('the follow-up reached an agent', () => deliveries(text).length > 0, 60_000);
      // Settled: nothing staged, waiting or undelivered on either host or the remote, beta idle
      // and released after its last run. (A second copy, had there been one, is a drop, a ref or
      // a received follow-up not yet sent to an agent until it reaches one.)
      await beta.rig.waitFor(
        'every copy, drop and ref of the follow-up is gone, all received went to an agent, beta released x',
        async () => {
          const drops = [];
          for (const h of hosts)
            drops.push(
              ...(await fs.readdir(path.join(h.rig.root, 'tasks'))).filter((n) => n.startsWith('x.r')),
            );
          const events = beta.rig.history('x');
          const types = events.map((e) => e.type);
          const sentIds = events.flatMap((e) =>
            e.type === 'prompt_sent' ? ((e.followupIds as string[]) ?? []) : [],
          );
          const received = events.filter((e) => e.type === 'followup_received').map((e) => String(e.id));
          return (
            hosts.every((h) => stagedCopies(h, 'x').length === 0) &&
            drops.length === 0 &&
            inboxRefs(alpha).length === 0 &&
            received.every((id) => sentIds.includes(id)) &&
            beta.rig.isIdle('x') &&
            types.lastIndexOf('claim_released') > types.lastIndexOf('run_exited')
          );
        },
        60_000,
      );
      expect(deliveries(text)).toHaveLength(1);
      expect(deliveries(text)[0]!.host).toBe('beta');
      expect(beta.rig.history('x').filter((e) => e.type === 'followup_received')).toHaveLength(1);
      // Sent on once more only when alpha itself delivered its take, to the task's new holder.
      const forwardedByAlpha = alpha.rig.history('x').filter((e) => e.type === 'followup_forwarded');
      expect(forwardedByAlpha.map((e) => e.to)).toEqual(took ? ['beta'] : []);
      expect(alpha.rig.history('x').some((e) => e.type === 'followup_received')).toBe(false);
      expect(inboxRefs(alpha)).toEqual([]);
    },
    180_000,
  );
});
