export { gradeAnswer, gradeWithSpec } from './grade-answer.js';
export { isPrime } from './grade-prime.js';
export { type GraderKind, type GraderSpec, graderSpecSchema } from './grader-spec.js';
