import type { AssistantPart, ChatResponse } from '../../../core/index.js';

/** A canonical answer with these parts, for grader tests. */
export function answerOf(...content: AssistantPart[]): ChatResponse {
  return {
    id: 'test',
    model: 'test-model',
    created: 0,
    content,
    finishReason: { unified: 'stop', raw: 'stop' },
    usage: { inputTokens: 1, outputTokens: 1 },
  };
}

/** A canonical answer that is this text (split in two parts when asked, to check they are joined). */
export function textAnswer(text: string, split = false): ChatResponse {
  if (!split || text.length < 2) return answerOf({ type: 'text', text });
  const middle = Math.floor(text.length / 2);
  return answerOf({ type: 'text', text: text.slice(0, middle) }, { type: 'text', text: text.slice(middle) });
}

/** A canonical answer that calls one tool. */
export function toolAnswer(name: string, args: string): ChatResponse {
  return answerOf({ type: 'tool_call', id: 'call_1', name, arguments: args });
}
