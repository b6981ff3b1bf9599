import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (no processes); `integration` starts real git repos and
// detached processes. Heavy suites (torture, load) read BATON_HEAVY to scale their trial counts.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          // Real processes and git repos: keep parallelism modest on a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Opt-in (BATON_HOOK_MANAGERS=1, `npm run test:hook-managers`): husky, lefthook,
          // simple-git-hooks and pre-commit as installed from their registries.
          name: 'hook-managers',
          include: ['test/hook-managers/**/*.test.ts'],
          // About 7 s a scenario on an idle 2-core machine; several times that under load.
          testTimeout: 300_000,
          maxWorkers: 2,
          sequence: { groupOrder: 3 },
        },
      },
      {
        test: {
          // `baton ui` in real headless Chromium (Debian's `chromium`, driven by playwright-core);
          // skipped with a message where /usr/bin/chromium is missing (`.ci/run` installs it).
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // expect.poll's default (1 s) is a fixed budget for a round trip through `baton ui`:
          // measured up to 1.3 s for a view's first read at load 13-21 on 2 cores, so a busy
          // machine failed tests that were only waiting. Polls end as soon as they succeed.
          expect: { poll: { timeout: 15_000 } },
          maxWorkers: 1,
          sequence: { groupOrder: 4 },
        },
      },
      {
        test: {
          name: 'real-agents',
          include: ['test/real-agents/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
        },
      },
    ],
  },
});
