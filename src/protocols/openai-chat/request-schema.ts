import { z } from 'zod';

/**
 * Strict schema of a client's Chat Completions request, built once at module load. Nested objects
 * tolerate extra keys (they are ignored); the top level keeps them for `vendorOptions`. Optional
 * fields accept `null`, as OpenAI does.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1), detail: z.string().nullish() }),
});
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

const textContent = z.union([z.string(), z.array(textPart)]);
const name = z.string().nullish();

const toolCall = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: textContent, name }),
  z.object({ role: z.literal('developer'), content: textContent, name }),
  z.object({
    role: z.literal('user'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))]),
    name,
  }),
  z.object({
    role: z.literal('assistant'),
    content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart]))]).nullish(),
    tool_calls: z.array(toolCall).nullish(),
    refusal: z.string().nullish(),
    name,
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string().min(1) }),
]);

const tool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().min(1),
      schema: z.record(z.string(), z.unknown()).nullish(),
      description: z.string().nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

const tokenLimit = z.int().min(1).nullish();

/** The request schema. Key order is the order in which the first bad field is reported. */
export const openaiRequestSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    tools: z.array(tool).nullish(),
    tool_choice: toolChoice.nullish(),
    parallel_tool_calls: z.boolean().nullish(),
    response_format: responseFormat.nullish(),
    stop: z.union([z.string(), z.array(z.string())]).nullish(),
    max_tokens: tokenLimit,
    max_completion_tokens: tokenLimit,
    temperature: z.number().min(0).max(2).nullish(),
    top_p: z.number().min(0).max(1).nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
    user: z.string().nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
  })
  .loose();

/** A request that passed {@link openaiRequestSchema}. */
export type ValidatedOpenaiRequest = z.infer<typeof openaiRequestSchema>;

/** One validated message. */
export type ValidatedOpenaiMessage = ValidatedOpenaiRequest['messages'][number];

/** Top-level fields the codec maps; every other top-level field goes to `vendorOptions` untouched. */
export const MAPPED_REQUEST_FIELDS: ReadonlySet<string> = new Set(Object.keys(openaiRequestSchema.shape));
