/** Cluster mode's part of `baton status`: every claim on the remote, in words (ops/fleet.ts). */
import type { Fleet } from '../ops/fleet.js';

/** The claims section: one line per claim, who holds it since when and until when. */
export function renderFleet(fleet: Fleet, now: Date): string {
  const lines = [`Hosts (cluster mode, this host: ${fleet.host}, remote: ${fleet.remote})`];
  if (fleet.problem !== null)
    lines.push(
      `  ${fleet.problem}: nothing starts unclaimed here until it can be read; running work goes on until its lease would lapse.`,
    );
  if (fleet.claims.length === 0 && fleet.problem === null) lines.push('  no claims yet');
  for (const c of fleet.claims) {
    const who = c.here ? `${c.host} (this host)` : c.host;
    const since = c.since.slice(0, 19).replace('T', ' ');
    const waiting = fleet.inbox[c.slug] ?? 0;
    const inbox =
      waiting > 0 ? `; ${waiting} follow-up${waiting === 1 ? '' : 's'} waiting for it on the remote` : '';
    let state: string;
    if (c.released) state = `last ran on ${who} (epoch ${c.epoch}, since ${since}); free`;
    else if (c.lapsed)
      state = `held by ${who} (epoch ${c.epoch}), lease lapsed ${seconds(now.getTime() - c.expiresAt)} ago: the next host to look takes it over`;
    else
      state = `${c.here ? 'runs here' : 'runs elsewhere'}: ${who} (epoch ${c.epoch}, since ${since}), lease ${seconds(c.expiresAt - now.getTime())} left`;
    lines.push(`  ${c.slug}: ${state}${inbox}`);
  }
  return `${lines.join('\n')}\n`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}
