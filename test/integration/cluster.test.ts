/**
 * Cluster mode (docs/design.md, "Several hosts"): three hosts on this machine, each a clone with
 * its own watcher and BATON_HOST, sharing a local bare repository as the remote. What is checked
 * comes from the fake agents' own logs: which host started which task, when, and when it ended.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  clusterYaml,
  cut,
  makeHosts,
  remoteClaims,
  runsBySlug,
  startWatcher,
  type Host,
} from '../helpers/cluster-rig.ts';
import { processAlive } from '../helpers/processes.ts';

const HEAVY = process.env.BATON_HEAVY === '1';
let hosts: Host[] = [];

afterEach(async () => {
  // Host 0 keeps the shared bare remote in its folder: end the other hosts first, so none of
  // their git processes still writes into it while it is removed.
  for (const h of [...hosts].reverse()) await h.rig.cleanup();
  hosts = [];
});

/** An event in a failure's story: time, type, and why or what it became. */
function eventWords(e: Record<string, unknown>): string {
  const extra = ['why', 'to', 'reason', 'error']
    .filter((k) => typeof e[k] === 'string')
    .map((k) => String(e[k]));
  return `${String(e.ts).slice(11, 23)} ${String(e.type)}${extra.length ? ` (${extra.join('; ')})` : ''}`;
}

/**
 * The first run of `slug` on any host, the host that holds it, and that host's status of it once
 * it names both its worker and its agent.
 */
async function holderOf(slug: string) {
  const first = await hosts[0]!.rig.waitFor(
    `an agent of ${slug} started on some host`,
    () => runsBySlug(hosts).get(slug)?.[0],
  );
  const holder = hosts.find((h) => h.name === first.host)!;
  const status = await holder.rig.waitFor('the holder names its worker', () => {
    const st = holder.rig.status(slug);
    return typeof st?.pid === 'number' && typeof st.agentPid === 'number' ? st : null;
  });
  return { first, holder, status };
}

describe('claims across hosts', () => {
  it(
    'a 3-host race for 20 ready tasks runs each task on exactly one host, round after round',
    async () => {
      // A longer lease than the fault tests: 60 workers on a shared 2-core machine are slow to start,
      // and a lease lapsing under load is a (correct) takeover rather than the race under test.
      hosts = await makeHosts(['alpha', 'beta', 'gamma'], clusterYaml('', 10));
      for (const h of hosts) await startWatcher(h);
      const rounds = HEAVY ? 6 : 2;
      for (let round = 1; round <= rounds; round++) {
        const slugs = Array.from({ length: 20 }, (_, i) => `r${round}-t${String(i).padStart(2, '0')}`);
        // Every host gets the same task files at about the same moment: their watchers race.
        await Promise.all(
          slugs.flatMap((slug) =>
            hosts.map((h) => h.rig.writeTask(slug, `task ${slug}\n@fake sleep=300`, { status: 'ready' })),
          ),
        );
        // Done: on some host the task is idle and its claim was released after its last run ended
        // (a dispatch that won the claim and failed before starting one releases it too).
        const releasedAfterRun = (h: Host, slug: string): boolean => {
          const types = h.rig.history(slug).map((e) => String(e.type));
          return (
            types.includes('agent_started') &&
            types.lastIndexOf('claim_released') > types.lastIndexOf('run_exited')
          );
        };
        await hosts[0]!.rig.waitFor(
          `round ${round}: every task ran to its end and was released`,
          () => {
            const claims = remoteClaims(hosts);
            return slugs.every(
              (slug) =>
                hosts.some((h) => h.rig.isIdle(slug) && releasedAfterRun(h, slug)) &&
                claims.has(`refs/baton/claims/${slug}`),
            );
          },
          150_000,
          200,
        );
        const runs = runsBySlug(hosts);
        for (const slug of slugs) {
          const list = runs.get(slug) ?? [];
          const story = `${slug}: runs ${JSON.stringify(list)}\n${hosts
            .map((h) => `${h.name}: ${h.rig.history(slug).map(eventWords).join(', ')}`)
            .join('\n')}`;
          expect(
            list.map((r) => r.host),
            story,
          ).toHaveLength(1);
          // The host that ran it won (or took over) the claim and released it after the run.
          const ran = hosts.find((h) => h.name === list[0]!.host)!;
          const types = ran.rig.history(slug).map((e) => String(e.type));
          expect(
            types.some((t) => t === 'claim_won' || t === 'claim_taken_over'),
            story,
          ).toBe(true);
          expect(releasedAfterRun(ran, slug), story).toBe(true);
        }
        // How the tasks spread over the hosts is not promised: with maxConcurrent 20 a host that
        // sees the files first may win every claim (a CI run did). Printed, never asserted.
        const perHost = hosts.map(
          (h) => slugs.flatMap((s) => runs.get(s) ?? []).filter((r) => r.host === h.name).length,
        );
        console.log(
          `round ${round}: runs per host ${hosts.map((h, i) => `${h.name} ${perHost[i]}`).join(', ')}`,
        );
      }
    },
    HEAVY ? 1_200_000 : 330_000,
  );

  it('kill -9 of the holder: after the lease one other host takes the task over, once; the dead host restarted does not run it again', async () => {
    hosts = await makeHosts(['alpha', 'beta', 'gamma']);
    for (const h of hosts) await startWatcher(h);
    await Promise.all(
      hosts.map((h) => h.rig.writeTask('solo', 'task solo\n@fake sleep=4000', { status: 'ready' })),
    );
    const { holder: dead, status } = await holderOf('solo');
    // The host dies: its watcher, its worker and its agent's group, all with SIGKILL.
    process.kill(dead.watcher!.pid, 'SIGKILL');
    process.kill(status.pid as number, 'SIGKILL');
    process.kill(-(status.agentPid as number), 'SIGKILL');
    const killedAt = Date.now();
    const taker = await hosts[0]!.rig.waitFor(
      'another host took solo over and ran it to its end',
      () => (runsBySlug(hosts).get('solo') ?? []).find((r) => r.host !== dead.name && r.end !== null),
      60_000,
    );
    // Not before the lease (4 s from the last renewal, at most 4 s before the kill) had lapsed.
    expect(taker.start).toBeGreaterThan(killedAt);
    const takerHost = hosts.find((h) => h.name === taker.host)!;
    expect(takerHost.rig.history('solo').some((e) => e.type === 'claim_taken_over')).toBe(true);
    await takerHost.rig.waitFor('the taker released its claim', () =>
      takerHost.rig.history('solo').some((e) => e.type === 'claim_released'),
    );
    // The dead host comes back: its heartbeat finds its worker gone and retries, and the claim refuses it.
    await startWatcher(dead);
    const lost = await dead.rig
      .waitFor('the restarted host recorded its claim as lost', () =>
        dead.rig.history('solo').find((e) => e.type === 'claim_lost'),
      )
      .catch((err: unknown) => {
        console.log('WATCHLOG', dead.watcher?.output());
        throw err;
      });
    expect(String(lost.why)).toMatch(new RegExp(`taken over by host ${taker.host}`));
    // History first, then the status (history before status): wait for the status to follow.
    await dead.rig.waitFor(
      'the restarted host marked solo interrupted',
      () => dead.rig.status('solo')?.state === 'interrupted',
    );
    expect(dead.rig.status('solo')).toMatchObject({ state: 'interrupted', retryAt: null });
    // It is not tried again: the watch log names the refusal once, and no later cycle retries it.
    await dead.watcher!.waitForLine(/solo: retry: .*ran on host|solo: retry: .*runs on host/);
    const before = dead.watcher!.output().split('solo: retry').length;
    const hbFile = path.join(dead.rig.root, 'tasks/logs/heartbeat.json');
    const seen = readFileSync(hbFile, 'utf8');
    await dead.rig.waitFor('two more heartbeats', () => readFileSync(hbFile, 'utf8') !== seen);
    const seen2 = readFileSync(hbFile, 'utf8');
    await dead.rig.waitFor('two more heartbeats', () => readFileSync(hbFile, 'utf8') !== seen2);
    expect(dead.watcher!.output().split('solo: retry').length).toBe(before);
    const runs = runsBySlug(hosts).get('solo') ?? [];
    expect(runs.filter((r) => r.host === dead.name)).toHaveLength(1);
    expect(runs.filter((r) => r.host !== dead.name)).toHaveLength(1);
  }, 120_000);

  it('a worker killed while its host lives: the heartbeat ends the agent it left before another host can take the task over', async () => {
    hosts = await makeHosts(['alpha', 'beta']);
    for (const h of hosts) await startWatcher(h);
    await Promise.all(
      hosts.map((h) =>
        h.rig.writeTask('lone', 'task lone\n@fake sleep=40000\n@fake silent', { status: 'ready' }),
      ),
    );
    const { first, holder, status } = await holderOf('lone');
    // Only the worker dies: the host, its watcher and the agent live on (silent: an agent that
    // writes to its dead worker's pipe dies of it; one thinking quietly does not).
    process.kill(status.pid as number, 'SIGKILL');
    const agentPid = status.agentPid as number;
    let lastSeenAlive = Date.now();
    // A zombie (killed, not yet reaped) runs nothing: processAlive reads /proc.
    const gone = (): boolean => {
      if (!processAlive(agentPid)) return true;
      lastSeenAlive = Date.now();
      return false;
    };
    await holder.rig.waitFor("the holder's heartbeat ended the agent left running", gone, 20_000);
    // The record follows the agent's end (history is written once the group is gone).
    const exited = await holder.rig.waitFor('the orphan run recorded as ended', () =>
      holder.rig
        .history('lone')
        .find((e) => e.type === 'run_exited' && e.orphaned === true && e.signal === 'SIGKILL'),
    );
    expect(String(exited.error)).toMatch(/the heartbeat .*ended the agent/);
    // The task goes on elsewhere once the lease lapses (or here, by the holder's own retry):
    // whichever host runs it next starts after the orphan was gone, never beside it.
    const next = await hosts[0]!.rig.waitFor(
      'lone ran again on some host',
      () => (runsBySlug(hosts).get('lone') ?? []).find((r) => r.pid !== first.pid),
      60_000,
    );
    expect(next.start).toBeGreaterThan(lastSeenAlive);
    const runs = runsBySlug(hosts).get('lone') ?? [];
    expect(runs).toHaveLength(2);
  }, 120_000);

  it('a cut remote: the cut host stops its agents as its leases lapse, others take over, never two at once', async () => {
    hosts = await makeHosts(['alpha', 'beta', 'gamma']);
    const [alpha, ...others] = hosts as [Host, Host, Host];
    const slugs = ['c1', 'c2', 'c3'];
    await startWatcher(alpha);
    // Alpha's agents would run far past the lease, so only the lease's stop can end them (under
    // load a 5 s agent could end by itself first); the other hosts' copies are short.
    await Promise.all(
      slugs.flatMap((slug) =>
        hosts.map((h) =>
          h.rig.writeTask(slug, `task ${slug}\n@fake sleep=${h === alpha ? 60_000 : 1000}`, {
            status: 'ready',
          }),
        ),
      ),
    );
    await alpha.rig.waitFor('alpha runs all three', () =>
      slugs.every((s) => runsBySlug(hosts).get(s)?.length === 1),
    );
    await cut(alpha, true);
    for (const h of others) await startWatcher(h);
    await alpha.rig.waitFor(
      'every task was taken over and ran to its end on another host',
      () =>
        slugs.every((s) =>
          (runsBySlug(hosts).get(s) ?? []).some((r) => r.host !== 'alpha' && r.end !== null),
        ),
      60_000,
      100,
    );
    await cut(alpha, false);
    for (const s of slugs) {
      const runs = runsBySlug(hosts).get(s) ?? [];
      const mine = runs.filter((r) => r.host === 'alpha');
      expect(mine, s).toHaveLength(1);
      expect(mine[0]!.end, `${s}: alpha's agent was stopped`).not.toBeNull();
      // No instant at which two hosts' agents ran the task: each run ended before the next began.
      const sorted = [...runs].sort((a, b) => a.start - b.start);
      for (let i = 1; i < sorted.length; i++)
        expect(sorted[i]!.start, s).toBeGreaterThan(sorted[i - 1]!.end!);
      expect(
        runs.filter((r) => r.host !== 'alpha'),
        s,
      ).toHaveLength(1);
      const lost = alpha.rig.history(s).find((e) => e.type === 'claim_lost');
      expect(String(lost?.why), s).toMatch(/unreachable/);
      expect(alpha.rig.status(s)).toMatchObject({ state: 'interrupted' });
    }
  }, 120_000);

  it('follow-ups dropped on a host without the claim reach the holder exactly once and in order, across a holder restart', async () => {
    hosts = await makeHosts(['alpha', 'beta']);
    const [alpha, beta] = hosts as [Host, Host];
    await startWatcher(alpha);
    await Promise.all(
      hosts.map((h) => h.rig.writeTask('fu', 'task fu\n@fake sleep=1500', { status: 'ready' })),
    );
    await alpha.rig.waitFor('alpha runs fu', () => runsBySlug(hosts).get('fu')?.length === 1);
    await startWatcher(beta);
    const prompts = (): string[] =>
      alpha.rig
        .fakeEvents()
        .filter((e) => e.event === 'start')
        .map((e) => String(e.prompt))
        .filter((p) => /^fu-\d/.test(p));
    // Two by the CLI on beta, one as a drop in beta's tasks/ (its watcher sends it on).
    for (const text of ['fu-1', 'fu-2']) {
      const r = await beta.rig.baton(['followup', 'fu', text]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/sent to host alpha/);
    }
    await fs.writeFile(path.join(beta.rig.root, 'tasks', 'fu.third.followup.md'), 'fu-3\n');
    await alpha.rig.waitFor('fu-1..3 reached alpha', () => prompts().length >= 3, 60_000);
    // The holder's watcher dies (kill -9) and is started again; what was sent meanwhile waits on the remote.
    process.kill(alpha.watcher!.pid, 'SIGKILL');
    for (const text of ['fu-4', 'fu-5']) {
      const r = await beta.rig.baton(['followup', 'fu', text]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect([...remoteClaims(hosts).keys()].filter((k) => k.startsWith('refs/baton/inbox/fu/'))).toHaveLength(
      2,
    );
    await startWatcher(alpha);
    await alpha.rig.waitFor('fu-4 and fu-5 reached alpha', () => prompts().length >= 5, 60_000);
    await alpha.rig.waitFor('alpha is idle', () => alpha.rig.isIdle('fu'), 60_000);
    // Status says idle before the worker, as it ends, releases the claim.
    await alpha.rig.waitFor('alpha released its claim after the last run', () => {
      const types = alpha.rig.history('fu').map((e) => e.type);
      return types.lastIndexOf('claim_released') > types.lastIndexOf('run_exited');
    });
    expect(prompts()).toEqual(['fu-1', 'fu-2', 'fu-3', 'fu-4', 'fu-5']);
    expect([...remoteClaims(hosts).keys()].filter((k) => k.startsWith('refs/baton/inbox/'))).toEqual([]);
    expect(beta.rig.fakeEvents().filter((e) => e.event === 'start')).toEqual([]);
    // The fleet view on beta: the claim is alpha's, released after its last run.
    const st = await beta.rig.baton(['status', '--json']);
    const board = JSON.parse(st.stdout) as {
      host: string;
      cluster: { remote: string; claims: { slug: string; host: string; released: boolean }[] };
      tasks: { slug: string; claim: { host: string; here: boolean } | null }[];
    };
    expect(board.host).toBe('beta');
    expect(board.cluster.claims).toEqual([
      expect.objectContaining({ slug: 'fu', host: 'alpha', released: true }),
    ]);
    expect(board.tasks.find((t) => t.slug === 'fu')?.claim).toMatchObject({ host: 'alpha', here: false });
    const text = await beta.rig.baton(['status']);
    expect(text.stdout).toMatch(/this host: beta, remote: origin/);
    expect(text.stdout).toMatch(/fu: last ran on alpha \(epoch \d+, since /);
    const forwarded = beta.rig.history('fu').filter((e) => e.type === 'followup_forwarded');
    expect(forwarded.map((e) => e.to)).toEqual(['alpha', 'alpha', 'alpha', 'alpha', 'alpha']);
  }, 180_000);
});
