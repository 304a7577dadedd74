import { z } from 'zod';

/**
 * Strict schema of a client's Messages request, built once at module load. Blocks and objects keep
 * extra keys (`cache_control`, `citations`): they are forwarded on the same-protocol path and are
 * hints elsewhere. Block types Detour does not map (documents, server tools' blocks) are accepted
 * here and recorded, so the request can still go to an Anthropic host untouched.
 * @see https://docs.anthropic.com/en/api/messages
 */

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const imageSource = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
]);
const imageBlock = z.looseObject({ type: z.literal('image'), source: imageSource });

const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
});

const thinkingBlock = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().optional(),
});
const redactedThinkingBlock = z.looseObject({ type: z.literal('redacted_thinking'), data: z.string() });

/** A block of a type Detour does not map; kept as it came. */
const otherBlock = z.looseObject({ type: z.string().min(1) });

const KNOWN_BLOCK_TYPES = new Set([
  'text',
  'image',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
]);

const block = z.union([
  z.discriminatedUnion('type', [
    textBlock,
    imageBlock,
    toolUseBlock,
    toolResultBlock,
    thinkingBlock,
    redactedThinkingBlock,
  ]),
  otherBlock.refine((value) => !KNOWN_BLOCK_TYPES.has(value.type), { message: 'malformed block' }),
]);

const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(block)]),
});

const tool = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()).optional(),
  type: z.string().optional(),
});

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('none') }),
  z.looseObject({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
]);

/** The request schema. Key order is the order in which the first bad field is reported. */
export const anthropicRequestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.int().min(1),
  messages: z.array(message).min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  stream: z.boolean().optional(),
});

/** A request that passed {@link anthropicRequestSchema}. */
export type ValidatedAnthropicRequest = z.infer<typeof anthropicRequestSchema>;

/** One validated content block. */
export type ValidatedAnthropicBlock = z.infer<typeof block>;

/** Top-level fields the codec maps; every other one goes to `vendorOptions` untouched. */
export const MAPPED_REQUEST_FIELDS: ReadonlySet<string> = new Set(Object.keys(anthropicRequestSchema.shape));
