import { statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

/**
 * Runs the cheap test files first. Stryker stops a mutant's run at the first failing test, so a
 * mutant a quick test kills never pays for a slow file. Files whose last duration vitest remembers
 * (its results cache, filled by Stryker's dry run) go fastest first: a small file can be slow (a
 * scenario file that starts servers takes far longer under Stryker's instrumentation than its size says).
 * Files without one follow: unit tests beside the code, then the end-to-end files under test/ that
 * start servers, smaller files first within each. (Vitest's own order is the opposite: slowest or
 * largest first, to spread a normal run over the workers.)
 */
class CheapestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const cost = (file: TestSpecification): [number, number, number] => {
      const path = relative(file.project.config.root, file.moduleId);
      const duration = this.ctx.cache.getFileTestResults(`${file.project.name}:${path}`)?.duration;
      return [
        duration ?? Number.POSITIVE_INFINITY,
        path.startsWith(`test${sep}`) ? 1 : 0,
        statSync(file.moduleId).size,
      ];
    };
    return [...files].sort((a, b) => {
      const [durationA, groupA, sizeA] = cost(a);
      const [durationB, groupB, sizeB] = cost(b);
      if (durationA !== durationB) return durationA < durationB ? -1 : 1;
      return groupA - groupB || sizeA - sizeB;
    });
  }
}

// The suite Stryker runs for each mutant (stryker.config.mjs): the usual one without the browser
// test, which drives Chromium for seconds per run and guards the page's markup, not the code being
// mutated.
const config = mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [...configDefaults.exclude, '**/*.browser.test.ts'],
      // Stryker's instrumented code counts coverage and checks for the active mutant at every
      // branch and expression; the long simulated-traffic tests in src/health (two hours of samples
      // through the health store) ran some 20× slower under it and one needed more than 120 s in a
      // dry run on the loaded machine, before they sent their traffic in bursts (five times fewer
      // slowness evaluations). Scenario files that start servers stay slow under it.
      testTimeout: 600_000,
      // Stryker runs each mutant's tests in one worker thread; without isolation the test files of a
      // run share one module graph instead of importing the gateway again for each file, which was
      // most of a mutant's time (the whole suite: 150 s this way on one thread, against 194 s on two
      // isolated workers). Mutant switching reads a global at run time, so shared modules see each
      // mutant; module-level (static) mutants, which would need a fresh import, are ignored anyway
      // (stryker.config.mjs). The suite passes this way: `npx vitest run --config
      // vitest.mutation.config.ts --no-isolate --pool=threads --maxWorkers=1`.
      isolate: false,
      hookTimeout: 120_000,
      sequence: { sequencer: CheapestFirstSequencer },
    },
  }),
);

/**
 * `MUTATION_TESTS=focused`: for each folder, its own unit tests and the end-to-end files written
 * for it. A folder that nearly every scenario file reaches (src/health: every request records an
 * outcome) would take many hours with the whole suite on two cores, since each mutant those tests
 * miss runs every file that reaches it; with these it takes minutes, and the score is a lower bound
 * of the whole suite's.
 */
const FOCUSED_TESTS: Readonly<Record<string, readonly string[]>> = {
  'src/routing': [
    'src/routing/**/*.test.ts',
    'test/routing-strategies.test.ts',
    'test/hedging.test.ts',
    // plan.ts, execute.ts, continue-stream.ts, meter-usage.ts and choose-auto-order.ts are reached
    // end to end only (the 2026-12-01 focused run without these files scored them 12-50 %).
    'test/request-path-promises.test.ts',
    'test/stream-recovery.test.ts',
    'test/scenario-23-context-window.test.ts',
    'test/auto-models.test.ts',
    'test/cost.test.ts',
  ],
  'src/health': ['src/health/**/*.test.ts', 'test/scenario-27-replicas.test.ts'],
  'src/incidents': [
    'src/incidents/**/*.test.ts',
    'test/incidents.test.ts',
    'test/incidents-quality-restart.test.ts',
    'test/incidents-replicas.test.ts',
    'test/scenario-15-quality.test.ts',
    'test/admin-incidents.test.ts',
    'test/status-routes.test.ts',
    'test/explain.test.ts',
  ],
  'src/providers': [
    'src/providers/**/*.test.ts',
    'test/bedrock.test.ts',
    'test/vertex.test.ts',
    'test/gemini.test.ts',
    'test/azure-openai.test.ts',
    'test/stream-recovery.test.ts',
    'test/request-timeout.test.ts',
    'test/request-path-promises.test.ts',
  ],
  'src/protocols': [
    'src/protocols/**/*.test.ts',
    'test/translation-matrix.test.ts',
    'test/openai-surface.test.ts',
    'test/anthropic-surface.test.ts',
    'test/hostile-clients.test.ts',
  ],
  'src/server/routes': [
    'src/server/routes/**/*.test.ts',
    'test/admin*.test.ts',
    'test/status-routes.test.ts',
    'test/models-probes-count-tokens.test.ts',
    'test/console.test.ts',
    'test/openai-surface.test.ts',
    'test/anthropic-surface.test.ts',
    'test/hostile-clients.test.ts',
    'test/request-path-promises.test.ts',
    'test/stream-backpressure.test.ts',
    'test/explain.test.ts',
    'test/client-keys.test.ts',
    'test/keys-cli.test.ts',
    'test/request-log.test.ts',
    'test/chat-route.test.ts',
    'test/console-edges.test.ts',
    'test/routes-started-in-test.test.ts',
    // What chat.ts wires in for hedging, stream recovery, the retry budget's metric and tracing.
    'test/hedging.test.ts',
    'test/stream-recovery.test.ts',
    'test/retry-budget-isolation.test.ts',
    'test/telemetry.test.ts',
  ],
  'src/access': [
    'src/access/**/*.test.ts',
    'test/client-keys.test.ts',
    'test/rate-limits.test.ts',
    'test/shared-limits.test.ts',
    'test/scenario-28-budget.test.ts',
    'test/cost.test.ts',
  ],
  'src/canaries': [
    'src/canaries/**/*.test.ts',
    'test/canary-aa.test.ts',
    'test/canary-suites-config.test.ts',
    'test/scenario-15-quality.test.ts',
    'test/scenario-16-canaries.test.ts',
    'test/admin-quality.test.ts',
  ],
};

/**
 * The test files each mutant may run: all of them by default; with `MUTATION_TESTS=focused` the
 * scope's set above; with `MUTATION_TESTS='glob,glob'` those globs.
 */
function onlyTests(): string[] | undefined {
  const value = process.env.MUTATION_TESTS;
  if (value === undefined || value === '') return undefined;
  if (value !== 'focused') return value.split(',');
  const scope = process.env.MUTATION_SCOPE ?? '';
  const focused = FOCUSED_TESTS[scope];
  if (focused === undefined)
    throw new Error(
      `MUTATION_TESTS=focused needs MUTATION_SCOPE, one of ${Object.keys(FOCUSED_TESTS).join(', ')}`,
    );
  return [...focused];
}

const include = onlyTests();
if (include !== undefined && config.test !== undefined) config.test.include = include;

export default config;
