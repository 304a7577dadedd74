import type { ChatResponse, ToolCallPart } from '../../core/index.js';
import type { Grade } from '../types.js';

/** The answer's text parts joined (reasoning and tool calls left out). */
export function answerText(answer: ChatResponse): string {
  return answer.content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .join('')
    .trim();
}

/** The answer's tool calls, in order. */
export function toolCallsOf(answer: ChatResponse): ToolCallPart[] {
  return answer.content.filter((part): part is ToolCallPart => part.type === 'tool_call');
}

/** A passing grade. */
export function pass(detail: string): Grade {
  return { pass: true, detail };
}

/** A failing grade. */
export function fail(detail: string): Grade {
  return { pass: false, detail };
}

/** The failing grade every grader gives an answer with no text. */
export const EMPTY_ANSWER: Grade = fail('empty answer');

/** The text cut to a few characters for a grade's detail: a detail never carries the whole answer. */
export function excerpt(text: string, length = 40): string {
  const flat = text.replace(/\s+/g, ' ');
  return JSON.stringify(flat.length > length ? `${flat.slice(0, length)}…` : flat);
}

/** Text without surrounding quotes, backticks and a final full stop, with runs of whitespace as one space. */
export function normalise(text: string): string {
  return text
    .trim()
    .replace(/^["'`]+|["'`]+$/g, '')
    .replace(/[.!]$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}
