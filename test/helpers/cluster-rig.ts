/**
 * Several hosts on one machine (cluster mode): one local bare repository as the shared remote
 * and a rig per host, each with its own `BATON_HOST` and, through a symlink of its own, its own
 * path to the remote, so one host's remote can be cut (the link renamed) and restored.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fakeAgentsYaml, makeRig, spawnBaton, type Background, type FakeEvent, type Rig } from './rig.ts';

/** One host: its rig, its name, its link to the remote. */
export interface Host {
  name: string;
  rig: Rig;
  /** The symlink this host reaches the remote through. */
  link: string;
  /** The bare repository every host's link points at. */
  bare: string;
  watcher: Background | null;
}

/** The config every host uses: short leases so a test runs in seconds. */
export function clusterYaml(extra = '', leaseSeconds = 4): string {
  return fakeAgentsYaml(
    [
      'maxConcurrent: 20',
      'heartbeatSeconds: 1',
      'maxDispatchesPerCycle: 20',
      'interruptGraceSeconds: 1',
      'retryCooldownSeconds: 1',
      `cluster: { remote: origin, leaseSeconds: ${leaseSeconds}, skewSeconds: 1, pollSeconds: 0.5 }`,
      extra,
    ].join('\n'),
  );
}

/** Makes `names.length` hosts sharing one bare remote; host 0's main is everyone's main. */
export async function makeHosts(names: string[], config = clusterYaml()): Promise<Host[]> {
  const hosts: Host[] = [];
  for (const name of names) {
    const rig = await makeRig({ config });
    rig.env.BATON_HOST = name;
    hosts.push({ name, rig, link: '', bare: '', watcher: null });
  }
  const first = hosts[0]!.rig;
  const bare = path.join(first.base, 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', bare]);
  const git = (rig: Rig, ...args: string[]): string =>
    execFileSync('git', args, { cwd: rig.root, encoding: 'utf8', env: rig.env });
  for (const h of hosts) {
    h.bare = bare;
    h.link = path.join(h.rig.base, 'remote-link.git');
    await fs.symlink(bare, h.link);
    git(h.rig, 'remote', 'add', 'origin', h.link);
  }
  git(first, 'push', '-q', 'origin', 'main');
  for (const h of hosts.slice(1)) {
    git(h.rig, 'fetch', '-q', 'origin');
    git(h.rig, 'reset', '-q', '--hard', 'origin/main');
  }
  return hosts;
}

/** Starts a host's watcher and waits until it watches. */
export async function startWatcher(h: Host): Promise<Background> {
  h.watcher = spawnBaton(h.rig, ['watch']);
  await h.watcher.waitForLine(/watching/);
  return h.watcher;
}

/** Cuts a host off the remote (its link renamed away) or restores it. */
export async function cut(h: Host, off: boolean): Promise<void> {
  if (off) await fs.rename(h.link, `${h.link}.cut`);
  else await fs.rename(`${h.link}.cut`, h.link);
}

/** Every fake-agent event of every host, with the host that ran it. */
export function allEvents(hosts: Host[]): (FakeEvent & { host: string; slug: string })[] {
  return hosts.flatMap((h) =>
    h.rig.fakeEvents().map((e) => ({
      ...e,
      host: h.name,
      slug: String((e.env as Record<string, string> | undefined)?.BATON_SLUG ?? ''),
    })),
  );
}

/** The agent runs of each task: host, start and end (null while running or after SIGKILL), by pid. */
export function runsBySlug(
  hosts: Host[],
): Map<string, { host: string; pid: number; start: number; end: number | null }[]> {
  const out = new Map<string, { host: string; pid: number; start: number; end: number | null }[]>();
  for (const h of hosts) {
    const evs = h.rig.fakeEvents();
    for (const e of evs) {
      if (e.event !== 'start') continue;
      const slug = String((e.env as Record<string, string>).BATON_SLUG);
      const end = evs.find((x) => x.event === 'end' && x.pid === e.pid && x.t >= e.t);
      const list = out.get(slug) ?? [];
      list.push({ host: h.name, pid: e.pid, start: e.t, end: end?.t ?? null });
      out.set(slug, list);
    }
  }
  return out;
}

/** The claim refs on the remote, as `git ls-remote` shows them. */
export function remoteClaims(hosts: Host[]): Map<string, string> {
  const out = execFileSync('git', ['ls-remote', hosts[0]!.bare, 'refs/baton/*'], { encoding: 'utf8' });
  const refs = new Map<string, string>();
  for (const l of out.split('\n')) {
    const [sha, ref] = l.split('\t');
    if (sha && ref) refs.set(ref, sha);
  }
  return refs;
}
