import { z } from 'zod';
import { casingSpecSchema } from './grade-casing.js';
import { charsetSpecSchema } from './grade-charset.js';
import { exactSpecSchema } from './grade-exact.js';
import { jsonSchemaSpecSchema } from './grade-json-schema.js';
import { listLengthSpecSchema } from './grade-list-length.js';
import { numberSpecSchema } from './grade-number.js';
import { primeSpecSchema } from './grade-prime.js';
import { retrievalSpecSchema } from './grade-retrieval.js';
import { toolCallSpecSchema } from './grade-tool-call.js';
import { wordCountSpecSchema } from './grade-word-count.js';

/** Every grader a canary can name, told apart by `kind`. Unknown keys are errors (a typo is not ignored). */
export const graderSpecSchema = z.discriminatedUnion('kind', [
  exactSpecSchema.strict(),
  numberSpecSchema.strict(),
  primeSpecSchema.strict(),
  wordCountSpecSchema.strict(),
  casingSpecSchema.strict(),
  listLengthSpecSchema.strict(),
  jsonSchemaSpecSchema.strict(),
  toolCallSpecSchema.strict(),
  retrievalSpecSchema.strict(),
  charsetSpecSchema.strict(),
]);

/** One grader and what it expects. */
export type GraderSpec = z.infer<typeof graderSpecSchema>;

/** The grader kinds. */
export type GraderKind = GraderSpec['kind'];
