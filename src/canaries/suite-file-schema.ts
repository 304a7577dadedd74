import { z } from 'zod';
import { graderSpecSchema } from './graders/index.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const messageSchema = z.object({ role: z.enum(['user', 'assistant']), content: z.string().min(1) }).strict();

const toolSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()),
  })
  .strict();

const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('json') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      schema: z.record(z.string(), z.unknown()),
    })
    .strict(),
]);

/** One case as written in a suite file. */
export const caseFileSchema = z
  .object({
    id: z.string().regex(NAME, 'letters, digits, _, . and - only'),
    /** The user message; or `messages` for a conversation. */
    prompt: z.string().min(1).optional(),
    messages: z.array(messageSchema).min(1).optional(),
    system: z.string().min(1).optional(),
    /** Generated filler with a planted fact, put before `prompt` (long-context retrieval). */
    haystack: z
      .object({
        seed: z.int(),
        tokens: z.int().min(100).max(200_000),
        fact: z.string().min(1),
        depth: z.number().min(0).max(1).optional(),
      })
      .strict()
      .optional(),
    tools: z.array(toolSchema).min(1).optional(),
    /** `auto`, `none`, `required`, or `{ name }` of one tool. */
    toolChoice: z
      .union([z.enum(['auto', 'none', 'required']), z.object({ name: z.string().min(1) }).strict()])
      .optional(),
    responseFormat: responseFormatSchema.optional(),
    /** Default 64: canary answers are short, and a cap keeps a runaway answer cheap. */
    maxTokens: z.int().min(1).max(4096).optional(),
    grader: graderSpecSchema,
  })
  .strict()
  .superRefine((value, context) => {
    if ((value.prompt === undefined) === (value.messages === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['prompt'],
        message: 'give exactly one of `prompt` and `messages`',
      });
    }
    if (value.haystack !== undefined && value.prompt === undefined) {
      context.addIssue({ code: 'custom', path: ['haystack'], message: '`haystack` needs `prompt`' });
    }
    if (value.messages !== undefined && value.messages.at(-1)?.role !== 'user') {
      context.addIssue({
        code: 'custom',
        path: ['messages'],
        message: 'the last message must be from the user',
      });
    }
    const toolChoice = value.toolChoice;
    if (typeof toolChoice === 'object' && !value.tools?.some((tool) => tool.name === toolChoice.name)) {
      context.addIssue({ code: 'custom', path: ['toolChoice', 'name'], message: 'not one of `tools`' });
    }
  });

/** A case as written. */
export type CaseFile = z.infer<typeof caseFileSchema>;

/** A suite file: its name (default: the file name) and its cases. */
export const suiteFileSchema = z
  .object({
    suite: z.string().regex(NAME, 'letters, digits, _, . and - only').optional(),
    description: z.string().optional(),
    cases: z.array(caseFileSchema).min(1),
  })
  .strict();

/** A suite file as written. */
export type SuiteFile = z.infer<typeof suiteFileSchema>;
