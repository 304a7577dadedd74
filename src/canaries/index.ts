export { buildHaystack, type HaystackSpec } from './build-haystack.js';
export * from './graders/index.js';
export {
  BUILT_IN_SUITES_DIR,
  type LoadCanarySuitesOptions,
  listBuiltInSuites,
  loadCanarySuites,
  parseCanarySuite,
} from './load-canary-suites.js';
export type * from './types.js';
