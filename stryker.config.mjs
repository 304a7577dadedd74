// Mutation testing (issue 9): `npm run test:mutation`. See TESTING.md for how to run it and read it.

const FOLDERS = [
  'src/routing',
  'src/health',
  'src/incidents',
  'src/providers',
  'src/protocols',
  'src/server/routes',
  'src/access',
  'src/canaries',
];

// `MUTATION_SCOPE=src/health npm run test:mutation` mutates one folder, with its own incremental
// file and report, so a folder can be measured (and re-measured quickly) on its own; the summary
// script merges the per-folder reports.
const scope = process.env.MUTATION_SCOPE;
if (scope !== undefined && !FOLDERS.includes(scope))
  throw new Error(`MUTATION_SCOPE must be one of ${FOLDERS.join(', ')}; got ${scope}`);
// With MUTATION_TESTS (vitest.mutation.config.ts: only those test files run, `focused` for each
// folder's own set) the results are a lower bound of the whole suite's, kept apart from the full
// run's under a name of their own.
const name = `${scope === undefined ? 'all' : scope.replace(/^src\//, '').replace(/\//g, '-')}${process.env.MUTATION_TESTS ? '-focused' : ''}`;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: {
    configFile: 'vitest.mutation.config.ts',
  },
  checkers: ['typescript'],
  // The product's sources only: a mutant is invalid when the product does not compile. With
  // tsconfig.json (tests, benchmarks and scripts too) every check also re-checked each test file
  // that imports the mutated module, and on src/health the two checkers were still at it after
  // 50 minutes, feeding the one runner six mutants a minute.
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: {
    // Checks mutants in groups and re-checks a group one by one only when it fails to compile.
    prioritizePerformanceOverAccuracy: true,
  },
  mutate: [
    ...(scope === undefined ? FOLDERS : [scope]).map((folder) => `${folder}/**/*.ts`),
    '!**/*.test.ts',
    '!**/__fixtures__/**',
  ],
  // Mutants in module-level code run every test; they are few here (constant tables) and cost more
  // than the rest together.
  ignoreStatic: true,
  coverageAnalysis: 'perTest',
  // Results are reused for mutants whose code and covering tests did not change.
  incremental: true,
  incrementalFile: `mutation/${name}.incremental.json`,
  // Two cores. Stryker splits `concurrency` into ceil(n/2) type-checker processes and the rest test
  // runners, and turns each checker's slot into one more runner when the type-checking is done: with
  // 3, two checkers and one runner while checking (a run of 1,349 mutants checks for most of its
  // first half hour), then three runners.
  concurrency: 3,
  // Scenario tests start real servers and wait on timeouts of up to seconds, and the machine is
  // shared, so a mutant only counts as a timeout well past its tests' normal time.
  timeoutMS: 10_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 15,
  // event-recorder writes each mutant's result as it is tested, so a run stopped before its end
  // (the JSON and HTML reports are written only at the end) still leaves what it measured:
  // `npm run test:mutation:summary -- --events reports/mutation/events-<folder>`.
  reporters: ['clear-text', 'progress', 'html', 'json', 'event-recorder'],
  eventReporter: { baseDir: `reports/mutation/events-${name}` },
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  thresholds: { high: 80, low: 75, break: null },
  ignorePatterns: ['dist', 'bench', 'docs', 'test-output', 'coverage', '*.db', '*.db-*'],
  tempDirName: '.stryker-tmp',
};
