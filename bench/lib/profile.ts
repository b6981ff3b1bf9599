/** A missed target is profiled: the command is re-run under --cpu-prof and its top self time reported. */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { batonBin, projectRoot, type Rig, runCommand } from '../../test/helpers/rig.ts';
import { r1 } from './stats.ts';

/** Where a profile's time went: the functions with the most self time. */
export interface ProfileSummary {
  totalMs: number;
  top: { fn: string; ms: number; pct: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Self time per function from a .cpuprofile, top `n`, in ms. */
export function topSelf(profileFile: string, n = 12): ProfileSummary {
  const prof = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const dt = new Map<number, number>();
  const { samples = [], timeDeltas = [] } = prof;
  samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  for (const node of prof.nodes) {
    const cf = node.callFrame;
    const url = cf.url.replace(/^file:\/\//, '').replace(projectRoot + '/', '');
    const key = `${cf.functionName || '(anonymous)'} ${url ? `${url}:${cf.lineNumber + 1}` : ''}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + (dt.get(node.id) ?? 0) / 1000);
  }
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  return {
    totalMs: r1(total),
    top: [...byFn.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, ms]) => ({ fn, ms: r1(ms), pct: r1((100 * ms) / total) })),
  };
}

/** Runs `baton <args>` in the rig's repository under --cpu-prof; null when no profile was written. */
export async function profiled(rig: Rig, args: string[], name: string): Promise<ProfileSummary | null> {
  const dir = path.join(rig.base, 'profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  await runCommand(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`, batonBin, ...args],
    { cwd: rig.root, env: rig.env },
  );
  const file = readdirSync(dir).find((f) => !before.has(f));
  return file ? topSelf(path.join(dir, file)) : null;
}
