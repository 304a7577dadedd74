import type { Message, Part, TextPart, ToolResultPart } from '../../core/index.js';
import { encodeImage } from './map-image.js';
import { FOREIGN_HISTORY_SIGNATURE, unmarkGeminiSignature } from './thought-signature.js';
import type { GeminiContent, GeminiPart } from './types.js';

/** A user turn being built: function responses go first, in the order of the calls they answer. */
interface UserTurn {
  role: 'user';
  responses: Array<{ position: number; part: GeminiPart }>;
  /** Images returned by tools, after the responses. */
  attachments: GeminiPart[];
  parts: GeminiPart[];
}

interface ModelTurn {
  role: 'model';
  parts: GeminiPart[];
}

/**
 * Tool arguments as the object `functionCall.args` must be. Arguments that are not a JSON object
 * (a model's malformed output) are kept whole under `arguments` rather than lost.
 */
function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text === '' ? '{}' : text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch {
    // Falls through to the wrapped text.
  }
  return { arguments: text };
}

/**
 * An assistant message as model parts. Reasoning text is not sent back: Gemini's thoughts are
 * output-only summaries, and what carries the reasoning to the next turn is the signature, which goes
 * back on the part that follows it (see thought-signature.ts).
 */
function encodeModelParts(content: readonly Part[]): GeminiPart[] {
  const parts: GeminiPart[] = [];
  let signature: string | undefined;
  for (const part of content) {
    let encoded: GeminiPart | undefined;
    switch (part.type) {
      case 'text':
        // Vertex rejects empty text parameters.
        if (part.text !== '') encoded = { text: part.text };
        break;
      case 'tool_call':
        encoded = { functionCall: { name: part.name, args: parseArguments(part.arguments) } };
        break;
      case 'reasoning':
        signature = unmarkGeminiSignature(part.signature) ?? signature;
        break;
      case 'image':
      case 'tool_result':
        // Neither is an assistant's content in Gemini's format.
        break;
    }
    if (encoded === undefined) continue;
    if (signature !== undefined) encoded.thoughtSignature = signature;
    signature = undefined;
    parts.push(encoded);
  }
  // A signature that came last (Gemini puts one on the final, often empty, text part) goes on the last part.
  const last = parts.at(-1);
  if (signature !== undefined && last !== undefined && last.thoughtSignature === undefined) {
    last.thoughtSignature = signature;
  }
  // Gemini 3 answers 400 when the first call of a turn has no signature: the history was written by
  // another model, or by a client that dropped the reasoning.
  const firstCall = parts.find((part) => part.functionCall !== undefined);
  if (firstCall !== undefined && firstCall.thoughtSignature === undefined) {
    firstCall.thoughtSignature = FOREIGN_HISTORY_SIGNATURE;
  }
  return parts;
}

function functionResponse(result: ToolResultPart, name: string): GeminiPart {
  const text = result.content
    .filter((item): item is TextPart => item.type === 'text')
    .map((item) => item.text)
    .join('\n');
  return { functionResponse: { name, response: result.isError ? { error: text } : { output: text } } };
}

/** Every tool call's name by its id: Gemini answers a call by the function's name, not an id. */
function toolNamesById(messages: readonly Message[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) {
    for (const part of message.content) if (part.type === 'tool_call') names.set(part.id, part.name);
  }
  return names;
}

function addUserContent(turn: UserTurn, content: readonly Part[], context: EncodingContext): void {
  for (const part of content) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') turn.parts.push({ text: part.text });
        break;
      case 'image':
        turn.parts.push(encodeImage(part.source));
        break;
      case 'tool_result': {
        // A result for an id the conversation never called cannot be named; the id is the best guess.
        const name = context.names.get(part.toolCallId) ?? part.toolCallId;
        turn.responses.push({
          position: context.callPositions.get(part.toolCallId) ?? Number.MAX_SAFE_INTEGER,
          part: functionResponse(part, name),
        });
        for (const item of part.content)
          if (item.type === 'image') turn.attachments.push(encodeImage(item.source));
        break;
      }
      case 'tool_call':
      case 'reasoning':
        // Not a user's content.
        break;
    }
  }
}

interface EncodingContext {
  names: Map<string, string>;
  /** The positions of the latest model turn's calls, by id: responses are sent in the same order. */
  callPositions: Map<string, number>;
}

function userTurnParts(turn: UserTurn): GeminiPart[] {
  const responses = [...turn.responses].sort((a, b) => a.position - b.position).map((item) => item.part);
  return [...responses, ...turn.attachments, ...turn.parts];
}

/**
 * The conversation as Gemini `contents`: assistant turns become `model`, user and tool turns become
 * `user` (Gemini carries function responses in user turns), and consecutive turns of one role merge.
 * Function calls and responses carry no ids: Gemini pairs them by name and order, so the responses
 * to one turn's calls are sent in the order of those calls.
 * @see https://ai.google.dev/gemini-api/docs/function-calling
 */
export function encodeContents(messages: readonly Message[]): GeminiContent[] {
  const context: EncodingContext = { names: toolNamesById(messages), callPositions: new Map() };
  const turns: Array<UserTurn | ModelTurn> = [];
  for (const message of messages) {
    const previous = turns.at(-1);
    if (message.role === 'assistant') {
      const parts = encodeModelParts(message.content);
      if (parts.length === 0) continue;
      if (previous?.role === 'model') {
        previous.parts.push(...parts);
      } else {
        turns.push({ role: 'model', parts });
        context.callPositions = new Map();
      }
      for (const part of message.content) {
        if (part.type === 'tool_call') context.callPositions.set(part.id, context.callPositions.size);
      }
      continue;
    }
    const turn: UserTurn =
      previous?.role === 'user' ? previous : { role: 'user', responses: [], attachments: [], parts: [] };
    addUserContent(turn, message.content, context);
    if (turn !== previous && userTurnParts(turn).length > 0) turns.push(turn);
  }
  return turns.map(
    (turn): GeminiContent =>
      turn.role === 'model'
        ? { role: 'model', parts: turn.parts }
        : { role: 'user', parts: userTurnParts(turn) },
  );
}
