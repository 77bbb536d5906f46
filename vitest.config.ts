import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: run files in parallel forks, but keep heavy learning tests from starving each other.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    // Tests run on wasm whatever is installed: @tensorflow/tfjs-node-gpu is an optionalDependency whose install
    // usually fails, and where it works the automatic choice would be it. Tests of the automatic choice pass
    // their own environment (test/tensor/backend.test.ts).
    // Plans stay on one thread (no helper thread per test file); the tests of the two-thread split and of
    // `bench plan` turn it on themselves (setPlainThreads), and plans are the same bit for bit either way.
    env: { DF_BACKEND: 'wasm', DF_PLANNER_THREADS: '1' },
    hookTimeout: 120_000,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
