import type { AnswerSummary, PassiveSignals } from '../canaries/index.js';
import type { ChatRequest, FinishReason, ProtocolName, Usage } from '../core/index.js';
import { upstreamCodecFor } from '../protocols/index.js';

/** Stands in for answer text that was not read: only its emptiness matters to the signals. */
const SOME_TEXT = '.';

/**
 * Feeds one complete (non-streamed) answer to the passive quality signals (DESIGN.md §7). The
 * answer is decoded only when the request asked for JSON or offered tools, the two signals that
 * need its content; otherwise its finish reason and token counts say enough, and the request path
 * pays no parse.
 */
export function observeCompleteAnswer(
  signals: PassiveSignals,
  deployment: string,
  surface: ProtocolName,
  request: ChatRequest,
  answer: { bodyText: string; usage: Usage | undefined; finishReason?: FinishReason['unified'] },
): void {
  const wantsContent =
    (request.responseFormat !== undefined && request.responseFormat.type !== 'text') ||
    (request.tools !== undefined && request.tools.length > 0);
  if (wantsContent) {
    try {
      signals.observe(
        deployment,
        request,
        upstreamCodecFor(surface).decodeResponse(JSON.parse(answer.bodyText)),
      );
      return;
    } catch {
      // An answer we cannot read back is counted from its summary below.
    }
  }
  signals.observe(deployment, request, summaryOf(answer.finishReason, answer.usage, undefined));
}

/**
 * Feeds one streamed answer (content is not kept: only whether text was sent, its finish reason
 * and its token counts).
 */
export function observeStreamedAnswer(
  signals: PassiveSignals,
  deployment: string,
  request: ChatRequest,
  tally: { finishReason?: FinishReason['unified']; usage?: Usage; content?: boolean },
): void {
  signals.observe(deployment, request, summaryOf(tally.finishReason, tally.usage, tally.content === true));
}

function summaryOf(
  finishReason: FinishReason['unified'] | undefined,
  usage: Usage | undefined,
  streamedContent: boolean | undefined,
): AnswerSummary {
  // Empty: no content was streamed (and no tool call ended it), or the host counted no output.
  const empty =
    finishReason !== 'tool_calls' &&
    (streamedContent !== undefined ? !streamedContent : usage !== undefined && usage.outputTokens === 0);
  const summary: AnswerSummary = { text: empty ? '' : SOME_TEXT, toolCalls: [] };
  if (finishReason !== undefined) summary.finishReason = finishReason;
  if (usage !== undefined) summary.outputTokens = usage.outputTokens;
  return summary;
}
