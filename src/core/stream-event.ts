import type { FinishReason, Usage } from './chat-response.js';
import type { DetourErrorShape } from './errors.js';

/** The stream has begun; carries what the first chunk of every protocol needs. */
export interface StreamStartEvent {
  type: 'start';
  /** The upstream's response id. */
  id: string;
  /** The model id the upstream says answers. */
  model: string;
  /** Unix seconds. */
  created: number;
}

/** A piece of answer text. */
export interface TextDeltaEvent {
  type: 'text_delta';
  /** The new text. */
  text: string;
}

/** A piece of reasoning, or its signature. */
export interface ReasoningDeltaEvent {
  type: 'reasoning_delta';
  /** New reasoning text (may be empty when only a signature arrives). */
  text: string;
  /** Signature for the reasoning block so far (Anthropic `signature_delta`). */
  signature?: string;
  /** Encrypted reasoning (Anthropic `redacted_thinking`), sent whole. */
  redactedData?: string;
}

/** A tool call begins. `index` orders parallel calls within one turn. */
export interface ToolCallStartEvent {
  type: 'tool_call_start';
  /** Position of this call among the turn's tool calls, from 0. */
  index: number;
  /** The call id. */
  id: string;
  /** The tool's name. */
  name: string;
}

/** More argument JSON text for a tool call. */
export interface ToolCallDeltaEvent {
  type: 'tool_call_delta';
  /** Which call (see {@link ToolCallStartEvent.index}). */
  index: number;
  /** The next piece of the arguments' JSON text. */
  argumentsDelta: string;
}

/** A tool call's arguments are complete. */
export interface ToolCallEndEvent {
  type: 'tool_call_end';
  /** Which call. */
  index: number;
}

/** Token counts; may come more than once (the last one wins). */
export interface UsageEvent {
  type: 'usage';
  /** Counts so far. */
  usage: Usage;
}

/** Generation ended normally. */
export interface FinishEvent {
  type: 'finish';
  /** Why it stopped. */
  finishReason: FinishReason;
  /** The stop sequence that matched, when one did. */
  stopSequence?: string;
}

/** The upstream (or Detour) reported an error inside the stream. */
export interface ErrorEvent {
  type: 'error';
  /** What went wrong. */
  error: DetourErrorShape;
}

/** One event of a canonical stream. */
export type StreamEvent =
  | StreamStartEvent
  | TextDeltaEvent
  | ReasoningDeltaEvent
  | ToolCallStartEvent
  | ToolCallDeltaEvent
  | ToolCallEndEvent
  | UsageEvent
  | FinishEvent
  | ErrorEvent;

/** True for events that carry answer content: once one reaches the client, nothing is retried. */
export function isContentEvent(event: StreamEvent): boolean {
  switch (event.type) {
    case 'text_delta':
    case 'reasoning_delta':
    case 'tool_call_start':
    case 'tool_call_delta':
    case 'tool_call_end':
      return true;
    case 'start':
    case 'usage':
    case 'finish':
    case 'error':
      return false;
    default:
      return assertNever(event);
  }
}

/** Exhaustiveness check for switches over unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected variant: ${JSON.stringify(value)}`);
}
