/**
 * The `cluster:` section of baton.yaml (docs/design.md, "Several hosts"): off when absent. Pure;
 * the host name comes from `BATON_HOST`, else the file, else the machine's name (resolved where
 * it is used, so parsing stays pure).
 */
import { describeValue } from '../domain/yaml.js';
import { problemAt, type ConfigContext } from './agents.js';
import { isRemoteName, sectionEntries } from './section.js';

/** The normalised `cluster:` section. */
export interface ClusterConfig {
  /** The git remote that holds the claims and the cross-host inbox. */
  remote: string;
  /** This host's name; null: the machine's host name. */
  host: string | null;
  /** How long a claim holds without renewal. */
  leaseSeconds: number;
  /** The most two hosts' clocks may differ by: a lapsed lease is taken over only this long after its end. */
  skewSeconds: number;
  /** How often the watcher asks the remote (`git ls-remote`) for follow-ups sent to its tasks. */
  pollSeconds: number;
}

/** The shortest lease accepted: renewals every third of it must have time to reach the remote. */
export const MIN_LEASE_SECONDS = 3;

const KEYS = ['remote', 'host', 'leaseSeconds', 'skewSeconds', 'pollSeconds'] as const;

/** Parses `cluster:` (absent or null: off). A bad value is an error; an unknown key a warning. */
export function parseClusterConfig(
  v: unknown,
  ctx: ConfigContext,
  env: Record<string, string | undefined>,
): ClusterConfig | null {
  if (v === null || v === undefined) return null;
  const out: ClusterConfig = {
    remote: 'origin',
    host: null,
    leaseSeconds: 120,
    skewSeconds: 10,
    pollSeconds: 10,
  };
  const entries = sectionEntries(v, ctx, ['cluster'], 'remote: origin', KEYS);
  if (entries === null) return out;
  const error = (key: string, message: string): void =>
    void ctx.errors.push(problemAt(ctx, ['cluster', key], message));
  for (const [key, value] of entries) {
    if (value === null) continue;
    if (key === 'remote') {
      if (isRemoteName(value)) out.remote = value;
      else
        error(
          key,
          `cluster.remote must be the name of a git remote (like origin), found ${describeValue(value)}`,
        );
    } else if (key === 'host') {
      if (typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) out.host = value;
      else
        error(
          key,
          `cluster.host must be a name of letters, digits, ".", "_" or "-", found ${describeValue(value)}`,
        );
    } else {
      const k = key as 'leaseSeconds' | 'skewSeconds' | 'pollSeconds';
      const min = k === 'leaseSeconds' ? MIN_LEASE_SECONDS : k === 'skewSeconds' ? 0 : 0.1;
      if (typeof value === 'number' && Number.isFinite(value) && value >= min) out[k] = value;
      else
        error(
          key,
          k === 'leaseSeconds'
            ? `cluster.leaseSeconds must be at least ${MIN_LEASE_SECONDS} seconds (a holder renews every third of it), found ${describeValue(value)}`
            : `cluster.${key} must be a number of seconds of at least ${min}, found ${describeValue(value)}`,
        );
    }
  }
  const fromEnv = env['BATON_HOST']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(fromEnv)) out.host = fromEnv;
    else
      ctx.errors.push({
        file: 'environment',
        message: `BATON_HOST must be a name of letters, digits, ".", "_" or "-", found ${describeValue(fromEnv)}`,
      });
  }
  return out;
}
