import type { Tiktoken } from 'js-tiktoken/lite';
import type { ChatRequest, Part } from '../core/index.js';

/**
 * Tokens counted for each image, whatever its size. Vendors bill images by pixels: Anthropic about
 * width × height / 750, capped near 1,600 for the largest image it accepts unscaled; OpenAI 85 +
 * 170 per 512-px tile (765 for 1024 × 1024 at high detail); Gemini 258 per 768-px tile. Detour does
 * not decode images on the request path, so one allowance near the common case stands for all.
 */
export const IMAGE_TOKEN_ALLOWANCE = 800;

/** Tokens each message adds around its content (role markers, separators), as OpenAI's chat format counts them. */
export const MESSAGE_OVERHEAD_TOKENS = 4;

/** Tokens that prime the answer and frame the prompt as a whole. */
export const PROMPT_OVERHEAD_TOKENS = 3;

// One encoder for the process, loaded on first use: o200k's ranks are a few megabytes of module
// and about a second to build, which a gateway whose models declare no window never pays.
let encoder: Promise<Tiktoken> | undefined;

function loadEncoder(): Promise<Tiktoken> {
  encoder ??= Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]).then(
    ([{ Tiktoken }, ranks]) => new Tiktoken(ranks.default),
  );
  return encoder;
}

/** The text of a request a tokenizer sees, and what it cannot see (images, message framing). */
interface PromptPieces {
  texts: string[];
  images: number;
  messages: number;
}

function collectPart(part: Part, pieces: PromptPieces): void {
  switch (part.type) {
    case 'text':
      pieces.texts.push(part.text);
      return;
    case 'image':
      pieces.images += 1;
      return;
    case 'tool_call':
      pieces.texts.push(part.name, part.arguments);
      return;
    case 'tool_result':
      for (const inner of part.content) collectPart(inner, pieces);
      return;
    case 'reasoning':
      // Earlier turns' thinking is sent back and counts against the window where hosts keep it.
      pieces.texts.push(part.text);
      return;
    default: {
      const unknown: never = part;
      throw new Error(`unknown part type ${String((unknown as { type?: unknown }).type)}`);
    }
  }
}

function collectPieces(request: ChatRequest): PromptPieces {
  const pieces: PromptPieces = { texts: [], images: 0, messages: request.messages.length };
  if (request.system !== undefined && request.system.length > 0) {
    pieces.messages += 1;
    for (const part of request.system) pieces.texts.push(part.text);
  }
  for (const message of request.messages) for (const part of message.content) collectPart(part, pieces);
  // Tool definitions are rendered into the prompt by every vendor; their JSON is a fair stand-in.
  if (request.tools !== undefined && request.tools.length > 0)
    pieces.texts.push(JSON.stringify(request.tools));
  if (request.responseFormat?.type === 'json_schema')
    pieces.texts.push(JSON.stringify(request.responseFormat.schema));
  return pieces;
}

function framingTokens(pieces: PromptPieces): number {
  return (
    PROMPT_OVERHEAD_TOKENS + pieces.messages * MESSAGE_OVERHEAD_TOKENS + pieces.images * IMAGE_TOKEN_ALLOWANCE
  );
}

/**
 * A bound no estimate of {@link estimatePromptTokens} can exceed, at the cost of one pass over the
 * text and no tokenizer: byte-level BPE (o200k) never makes more tokens than the text has UTF-8
 * bytes, and the rest (framing, images) is counted the same way. Routing compares it with the
 * known windows first, so the tokenizer runs only for prompts that might not fit.
 */
export function promptTokensUpperBound(request: ChatRequest): number {
  const pieces = collectPieces(request);
  let bytes = 0;
  // Pieces are joined by one separator each when encoded.
  for (const text of pieces.texts) bytes += Buffer.byteLength(text, 'utf8') + 1;
  return bytes + framingTokens(pieces);
}

/**
 * The prompt's size in tokens as OpenAI's o200k_base tokenizer counts it: every text a host turns
 * into prompt tokens (system, messages, tool calls and results, tool definitions, a JSON schema),
 * plus a fixed allowance per image and per message. Other vendors' tokenizers differ (README,
 * "Context windows"); callers apply their own margin.
 */
export async function estimatePromptTokens(request: ChatRequest): Promise<number> {
  const pieces = collectPieces(request);
  const tokenizer = await loadEncoder();
  return tokenizer.encode(pieces.texts.join('\n')).length + framingTokens(pieces);
}
