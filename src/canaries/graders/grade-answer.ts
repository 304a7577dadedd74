import type { ChatResponse } from '../../core/index.js';
import type { CanaryCase, Grade } from '../types.js';
import { gradeCasing } from './grade-casing.js';
import { gradeCharset } from './grade-charset.js';
import { gradeExact } from './grade-exact.js';
import { gradeJsonSchema } from './grade-json-schema.js';
import { gradeListLength } from './grade-list-length.js';
import { gradeNumber } from './grade-number.js';
import { gradePrime } from './grade-prime.js';
import { gradeRetrieval } from './grade-retrieval.js';
import { gradeToolCall } from './grade-tool-call.js';
import { gradeWordCount } from './grade-word-count.js';
import { type GraderSpec, graderSpecSchema } from './grader-spec.js';

/** Grades an answer with the grader `spec` names. */
export function gradeWithSpec(spec: GraderSpec, answer: ChatResponse): Grade {
  switch (spec.kind) {
    case 'exact':
      return gradeExact(spec, answer);
    case 'number':
      return gradeNumber(spec, answer);
    case 'prime':
      return gradePrime(spec, answer);
    case 'word_count':
      return gradeWordCount(spec, answer);
    case 'casing':
      return gradeCasing(spec, answer);
    case 'list_length':
      return gradeListLength(spec, answer);
    case 'json_schema':
      return gradeJsonSchema(spec, answer);
    case 'tool_call':
      return gradeToolCall(spec, answer);
    case 'retrieval':
      return gradeRetrieval(spec, answer);
    case 'charset':
      return gradeCharset(spec, answer);
    default: {
      const unknownKind: never = spec;
      throw new TypeError(`unknown grader ${JSON.stringify(unknownKind)}`);
    }
  }
}

/**
 * Grades a canary's answer. JSON and tool graders without their own schema take the one the
 * request carries (the `responseFormat` schema, the offered tool's parameters), so a suite states a
 * schema once. A case whose grader is not valid fails with that reason rather than throwing.
 */
export function gradeAnswer(canary: CanaryCase, answer: ChatResponse): Grade {
  const parsed = graderSpecSchema.safeParse(canary.grader);
  if (!parsed.success)
    return { pass: false, detail: `invalid grader: ${parsed.error.issues[0]?.message ?? ''}` };
  let spec = parsed.data;
  const { request } = canary;
  if (
    spec.kind === 'json_schema' &&
    spec.schema === undefined &&
    request.responseFormat?.type === 'json_schema'
  ) {
    spec = { ...spec, schema: request.responseFormat.schema };
  }
  if (spec.kind === 'tool_call' && spec.schema === undefined) {
    const name = spec.name;
    const tool = request.tools?.find((candidate) => candidate.name === name);
    if (tool !== undefined) spec = { ...spec, schema: tool.parameters };
  }
  return gradeWithSpec(spec, answer);
}
