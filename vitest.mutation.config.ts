import { statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { configDefaults, defineConfig, mergeConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import base from './vitest.config.js';

/**
 * Runs the cheap test files first. Stryker stops a mutant's run at the first failing test, so a
 * mutant a quick test kills never pays for a slow file. Files whose last duration vitest remembers
 * (its results cache, filled by Stryker's dry run) go fastest first: a small file can be slow (the
 * two-hour simulated-traffic tests in src/health take minutes under Stryker's instrumentation).
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
      // through the health store) run some 20× slower under it and would miss the usual 20 s; one of
      // them needed more than 120 s in a dry run on the loaded machine.
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

// `MUTATION_TESTS='src/health/**/*.test.ts'` (comma-separated globs) runs only those test files for
// each mutant: a lower bound of a folder's score from its own unit tests, for a folder that nearly
// every scenario file reaches (a full run of src/health would take many hours on two cores).
const onlyTests = process.env.MUTATION_TESTS;
if (onlyTests !== undefined && onlyTests !== '' && config.test !== undefined)
  config.test.include = onlyTests.split(',');

export default config;
